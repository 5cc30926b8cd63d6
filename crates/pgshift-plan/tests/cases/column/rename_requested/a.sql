CREATE TABLE t (id int, fullname text);
