CREATE TYPE st AS ENUM ('b', 'c'); CREATE TABLE t (s st);
