CREATE TABLE voice (id int, name text);
