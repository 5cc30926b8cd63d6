CREATE TYPE mood AS ENUM ('happy', 'unhappy', 'ok'); CREATE TABLE t (id int, m mood DEFAULT 'unhappy'); CREATE VIEW sad_ones AS SELECT id FROM t WHERE m = 'unhappy';
