CREATE TABLE t (a int, b int, dbl int GENERATED ALWAYS AS (a * 2) STORED);
