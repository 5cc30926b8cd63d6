CREATE TYPE pair AS (a int, "B b" text); CREATE TABLE t (id int, p pair);
