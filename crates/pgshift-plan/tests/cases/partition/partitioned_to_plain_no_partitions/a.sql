CREATE TABLE ev (id int, at date NOT NULL) PARTITION BY RANGE (at);
