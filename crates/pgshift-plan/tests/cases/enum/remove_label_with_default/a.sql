CREATE TYPE st AS ENUM ('a', 'b', 'gone'); CREATE TABLE t (s st NOT NULL DEFAULT 'a');
