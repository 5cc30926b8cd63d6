CREATE TABLE t (id int); CREATE INDEX ti ON t (id);
