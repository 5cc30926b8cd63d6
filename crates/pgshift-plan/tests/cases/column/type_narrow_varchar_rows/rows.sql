INSERT INTO t VALUES ('short', 'abc'), ('exactly twenty chars', '12345');
