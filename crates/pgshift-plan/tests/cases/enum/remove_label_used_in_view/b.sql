CREATE TYPE st AS ENUM ('a', 'b'); CREATE TABLE t (id int, s st); CREATE VIEW va AS SELECT id FROM t WHERE s = 'a'; CREATE VIEW vall AS SELECT s FROM t;
