INSERT INTO task VALUES (1, 'high'), (2, 'low');
