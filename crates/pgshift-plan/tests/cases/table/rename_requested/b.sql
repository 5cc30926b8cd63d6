CREATE TABLE bill (id int PRIMARY KEY, total numeric);
