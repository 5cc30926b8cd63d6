INSERT INTO account VALUES (1); INSERT INTO zz_plan VALUES (1);
INSERT INTO subscription VALUES (1, 1, 1); INSERT INTO invoice VALUES (1, 1, 1);
