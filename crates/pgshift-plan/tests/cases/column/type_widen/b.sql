CREATE TABLE t (id int, n bigint, s varchar(200));
