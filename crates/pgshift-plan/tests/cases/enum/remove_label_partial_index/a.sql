CREATE TYPE st AS ENUM ('open', 'closed', 'gone'); CREATE TABLE t (id int, s st); CREATE INDEX t_open ON t (id) WHERE s = 'open';
