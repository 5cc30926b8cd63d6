CREATE TABLE t (id int, secret text); CREATE VIEW v WITH (security_barrier = true) AS SELECT id FROM t; COMMENT ON COLUMN v.id IS 'the id';
