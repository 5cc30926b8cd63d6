INSERT INTO account VALUES (1, 'active', '{active,gone}'), (2, 'gone', NULL);
