CREATE TABLE t (a int, b text); CREATE INDEX t_idx ON t (a);
