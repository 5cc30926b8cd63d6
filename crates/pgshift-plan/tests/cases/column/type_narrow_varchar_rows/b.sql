CREATE TABLE t (name varchar(20), code varchar(5));
