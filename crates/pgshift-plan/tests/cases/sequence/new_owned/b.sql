CREATE TABLE t (id int); CREATE SEQUENCE t_seq OWNED BY t.id; COMMENT ON SEQUENCE t_seq IS 'numbers';
