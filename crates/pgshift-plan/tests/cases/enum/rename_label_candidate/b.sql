CREATE TYPE mood AS ENUM ('happy', 'unhappy', 'ok'); CREATE TABLE t (id int, m mood);
