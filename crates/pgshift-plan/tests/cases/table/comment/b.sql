CREATE TABLE t (id int); COMMENT ON TABLE t IS 'it''s new'; COMMENT ON COLUMN t.id IS 'the id';
