CREATE TYPE st AS ENUM ('a'); CREATE TABLE t (s st); CREATE TABLE keep (id int);
