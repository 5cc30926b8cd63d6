INSERT INTO document VALUES (1, 'ok');
