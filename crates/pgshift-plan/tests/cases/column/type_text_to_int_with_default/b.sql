CREATE TABLE t (id int, n integer DEFAULT 1);
