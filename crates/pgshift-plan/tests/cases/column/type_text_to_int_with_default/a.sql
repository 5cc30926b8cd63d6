CREATE TABLE t (id int, n text DEFAULT '1');
