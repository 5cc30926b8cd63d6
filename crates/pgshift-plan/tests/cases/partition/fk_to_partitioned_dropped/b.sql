CREATE TABLE ref (id int, at date);
