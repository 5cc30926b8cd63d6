CREATE TABLE ev (id int, at date NOT NULL);
