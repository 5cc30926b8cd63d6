CREATE TABLE t (n int, CONSTRAINT n_pos CHECK (n >= 0));
