CREATE TYPE st AS ENUM ('x', 'y', 'z'); CREATE TABLE t1 (s st); CREATE TABLE t2 (s st[] NOT NULL DEFAULT '{}');
