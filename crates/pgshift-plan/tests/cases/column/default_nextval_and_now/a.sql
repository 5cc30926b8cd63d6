CREATE SEQUENCE s; CREATE TABLE t (id int, at timestamptz);
