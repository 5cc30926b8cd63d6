CREATE TABLE bill (id int, total numeric);
