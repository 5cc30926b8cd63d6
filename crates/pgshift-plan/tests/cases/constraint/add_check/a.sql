CREATE TABLE document (id int, title text);
