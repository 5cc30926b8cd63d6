-- pgshift revision: 5e1a7c0de001
-- message: create note

-- up
CREATE TABLE public.note (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body text NOT NULL
);

-- down
DROP TABLE public.note;
