CREATE TABLE t (id serial, v text);
