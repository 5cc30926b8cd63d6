CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE keep (id int);
