CREATE TABLE voice (id int, n serial, name text);
