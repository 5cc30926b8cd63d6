INSERT INTO t VALUES ('{"a": 1}');
