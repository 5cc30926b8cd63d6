CREATE TYPE st AS ENUM ('b', 'a'); CREATE TABLE t (ss st[] DEFAULT '{a}', s st);
