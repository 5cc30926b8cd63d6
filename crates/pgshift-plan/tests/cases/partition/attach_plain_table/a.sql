CREATE TABLE ev (id int, at date NOT NULL) PARTITION BY RANGE (at); CREATE TABLE ev_1 (id int, at date NOT NULL);
