INSERT INTO t SELECT g, g::text FROM generate_series(1, 500) g;
