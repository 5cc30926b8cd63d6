CREATE TABLE ev (id int, at date NOT NULL) PARTITION BY RANGE (at); CREATE INDEX ev_id ON ev (id); CREATE TABLE ev_1 (id int, at date NOT NULL); CREATE INDEX ev_1_id_idx ON ev_1 (id);
