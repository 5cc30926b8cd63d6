-- pgshift revision: 5e1a7c0de002
-- parents: 5e1a7c0de001
-- message: add created_at to note

-- up
ALTER TABLE public.note ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- down
ALTER TABLE public.note DROP COLUMN created_at;
