CREATE TABLE t (id int, kept text); CREATE INDEX t_kept ON t (kept); CREATE VIEW v AS SELECT id FROM t; CREATE VIEW v2 AS SELECT id, kept FROM t;
