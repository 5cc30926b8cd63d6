CREATE SEQUENCE s; CREATE TABLE t (id int DEFAULT nextval('s'), at timestamptz DEFAULT now());
