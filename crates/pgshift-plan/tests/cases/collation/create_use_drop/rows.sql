INSERT INTO t VALUES (1, 'Ab', 'x'), (2, 'c', 'y');
