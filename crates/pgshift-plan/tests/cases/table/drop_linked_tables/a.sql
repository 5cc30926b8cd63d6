CREATE TABLE voice (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE blockvariant (id serial PRIMARY KEY, voice_id bigint NOT NULL CONSTRAINT blockvariant_voice_id_fkey REFERENCES voice);
CREATE TABLE usercredits (id serial PRIMARY KEY, balance int NOT NULL DEFAULT 0);
CREATE TABLE credittransaction (id serial PRIMARY KEY, credits_id int NOT NULL REFERENCES usercredits ON DELETE CASCADE, amount int NOT NULL);
CREATE TABLE zeta_root (id int PRIMARY KEY);
CREATE TABLE mid (id int PRIMARY KEY, root_id int REFERENCES zeta_root);
CREATE TABLE alpha_leaf (id int PRIMARY KEY, mid_id int REFERENCES mid, voice_id bigint REFERENCES voice);
CREATE VIEW voice_names AS SELECT v.name, b.id AS variant FROM voice v JOIN blockvariant b ON b.voice_id = v.id;
CREATE TABLE kept (id int PRIMARY KEY);
