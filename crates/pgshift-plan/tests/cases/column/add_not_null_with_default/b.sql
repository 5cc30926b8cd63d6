CREATE TABLE t (id int, usage_multiplier double precision NOT NULL DEFAULT 1.0);
