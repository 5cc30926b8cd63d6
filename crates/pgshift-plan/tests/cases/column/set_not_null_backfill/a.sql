CREATE TABLE redaction (id int PRIMARY KEY, title text, description text NOT NULL);
