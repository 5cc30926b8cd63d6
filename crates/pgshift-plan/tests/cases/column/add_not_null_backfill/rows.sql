INSERT INTO document VALUES (1, 'Hello World'), (2, 'Second');
