CREATE TYPE st AS ENUM ('b', 'a', 'c'); CREATE TABLE t (s st CONSTRAINT not_c CHECK (s <> 'c'));
