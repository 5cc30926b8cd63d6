-- pgshift revision: a11ce0000003
-- parents: a11ce0000002
-- message: account name

-- up
ALTER TABLE public.account ADD COLUMN name text;
INSERT INTO public.account (email, plan) VALUES ('a@example.com', 'team');

-- down
ALTER TABLE public.account DROP COLUMN name;
