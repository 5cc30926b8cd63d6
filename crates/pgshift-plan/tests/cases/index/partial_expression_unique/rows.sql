INSERT INTO t VALUES ('A@x', false), ('a@x', true);
