SET check_function_bodies = false;
CREATE TABLE kept (id int PRIMARY KEY);
CREATE FUNCTION a_count_audits() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT count(*) FROM public.z_audit);
END $$;
CREATE FUNCTION a_sql_audits() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM public.z_audit $$;
CREATE TABLE z_audit (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
