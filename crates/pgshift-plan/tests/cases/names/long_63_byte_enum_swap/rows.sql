INSERT INTO t VALUES ('a'), ('c');
