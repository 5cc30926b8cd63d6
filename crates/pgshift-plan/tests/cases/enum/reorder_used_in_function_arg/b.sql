CREATE TYPE st AS ENUM ('c', 'b', 'a'); CREATE TABLE t (s st); CREATE FUNCTION label(x st) RETURNS text LANGUAGE sql AS $$ SELECT x::text $$;
