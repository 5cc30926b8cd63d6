INSERT INTO t VALUES (1, 'g', 'k');
