CREATE TABLE doc (id int, owner text);
