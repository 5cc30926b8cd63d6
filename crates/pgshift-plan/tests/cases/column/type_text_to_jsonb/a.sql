CREATE TABLE t (doc text DEFAULT '{}');
