CREATE TABLE t (id int); CREATE VIEW new_v AS SELECT id, id * 2 AS d FROM t;
