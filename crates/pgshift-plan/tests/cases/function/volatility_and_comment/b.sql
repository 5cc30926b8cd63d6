CREATE FUNCTION "Hostile Fn"(x text) RETURNS text LANGUAGE sql STABLE STRICT AS $$ SELECT upper(x) $$; COMMENT ON FUNCTION "Hostile Fn"(text) IS 'shouts';
