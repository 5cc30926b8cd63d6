CREATE TABLE t (id int, a int); CREATE VIEW v AS SELECT id FROM t;
