INSERT INTO t VALUES (1, 'sad'), (2, 'ok');
