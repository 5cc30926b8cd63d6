CREATE TABLE ticket (id int, code bigint, title text);
