INSERT INTO t VALUES ('{a,b}', 'b'), (DEFAULT, NULL);
