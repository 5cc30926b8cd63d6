CREATE TABLE t (email text, deleted boolean);
