CREATE TYPE mood AS ENUM ('ok', 'bad'); CREATE TABLE t (id int, m mood DEFAULT 'ok');
