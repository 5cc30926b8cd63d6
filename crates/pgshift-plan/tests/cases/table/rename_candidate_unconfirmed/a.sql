CREATE TABLE invoice (id int, total numeric);
