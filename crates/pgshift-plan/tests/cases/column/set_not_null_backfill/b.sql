CREATE TABLE redaction (id int PRIMARY KEY, title text NOT NULL, description text NOT NULL);
