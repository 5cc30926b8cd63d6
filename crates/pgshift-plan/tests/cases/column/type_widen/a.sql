CREATE TABLE t (id int, n integer, s varchar(20));
