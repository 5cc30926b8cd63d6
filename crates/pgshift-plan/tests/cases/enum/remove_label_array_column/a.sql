CREATE TYPE st AS ENUM ('a', 'b', 'gone'); CREATE TABLE t (ss st[] DEFAULT '{a}', s st);
