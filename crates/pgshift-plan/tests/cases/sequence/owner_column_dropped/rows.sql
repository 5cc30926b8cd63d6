INSERT INTO voice (id, name) VALUES (1, 'a');
