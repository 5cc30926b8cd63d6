CREATE TABLE ev (id int PRIMARY KEY, at date NOT NULL, note text DEFAULT 'x'); CREATE VIEW ev_v AS SELECT id, at FROM ev; CREATE TABLE ref (ev_id int REFERENCES ev (id));
