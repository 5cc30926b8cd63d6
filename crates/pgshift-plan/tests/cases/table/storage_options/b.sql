CREATE TABLE t (id int) WITH (fillfactor = 90, autovacuum_enabled = false);
