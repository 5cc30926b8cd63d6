CREATE TABLE t (id int, m text);
