CREATE TABLE t (doc jsonb DEFAULT '{}'::jsonb);
