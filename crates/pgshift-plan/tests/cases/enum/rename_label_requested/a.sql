CREATE TYPE mood AS ENUM ('happy', 'sad', 'ok'); CREATE TABLE t (id int, m mood DEFAULT 'sad'); CREATE VIEW sad_ones AS SELECT id FROM t WHERE m = 'sad';
