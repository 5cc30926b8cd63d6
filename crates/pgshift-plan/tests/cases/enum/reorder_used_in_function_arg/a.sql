CREATE TYPE st AS ENUM ('a', 'b', 'c'); CREATE TABLE t (s st); CREATE FUNCTION label(x st) RETURNS text LANGUAGE sql AS $$ SELECT x::text $$;
