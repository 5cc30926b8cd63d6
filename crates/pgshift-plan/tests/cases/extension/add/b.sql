CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE TABLE t (id uuid DEFAULT gen_random_uuid());
