CREATE TABLE invoice (id int PRIMARY KEY, total numeric);
