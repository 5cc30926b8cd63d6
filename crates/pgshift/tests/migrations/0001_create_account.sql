-- pgshift revision: a11ce0000001
-- message: create account

-- up
CREATE TYPE public.plan AS ENUM ('free', 'pro');
CREATE TABLE public.account (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    plan public.plan NOT NULL DEFAULT 'free'
);

-- down
DROP TABLE public.account;
DROP TYPE public.plan;
