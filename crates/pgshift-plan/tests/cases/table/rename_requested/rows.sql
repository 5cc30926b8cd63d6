INSERT INTO invoice VALUES (1, 2.5), (2, 3);
