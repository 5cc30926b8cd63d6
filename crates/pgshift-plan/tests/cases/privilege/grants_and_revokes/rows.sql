INSERT INTO app.t VALUES (1, 'a');
