CREATE TYPE mood AS ENUM ('happy', 'sad', 'ok'); CREATE TABLE t (id int, m mood);
