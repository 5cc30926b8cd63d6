CREATE TYPE st AS ENUM ('a', 'b', 'c'); CREATE TABLE t (s st CONSTRAINT not_c CHECK (s <> 'c'));
