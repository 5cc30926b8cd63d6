CREATE TABLE r (id int NOT NULL, region text NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region); CREATE INDEX r_id ON r (id); CREATE TABLE r_eu (id int NOT NULL, region text NOT NULL);
