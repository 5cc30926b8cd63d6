INSERT INTO job VALUES (1, 'done', '{active,done}'), (2, 'active', NULL);
