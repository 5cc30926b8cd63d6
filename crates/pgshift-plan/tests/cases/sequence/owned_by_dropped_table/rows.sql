INSERT INTO invoice (id) VALUES (1), (2); INSERT INTO legacy (code) VALUES ('a'); INSERT INTO kept VALUES (1);
