INSERT INTO voice (name) VALUES ('alto'), ('bass');
INSERT INTO blockvariant (voice_id) VALUES (1), (2);
INSERT INTO usercredits (balance) VALUES (10);
INSERT INTO credittransaction (credits_id, amount) VALUES (1, 5);
INSERT INTO zeta_root VALUES (1); INSERT INTO mid VALUES (1, 1); INSERT INTO alpha_leaf VALUES (1, 1, 1);
INSERT INTO kept VALUES (1), (2);
