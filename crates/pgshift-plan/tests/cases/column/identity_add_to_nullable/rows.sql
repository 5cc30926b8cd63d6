INSERT INTO ticket VALUES (1, 1, 'a'), (2, 2, 'b');
