INSERT INTO t VALUES (1, 'open'), (2, 'closed');
