CREATE TABLE document (id int, title varchar(500));
