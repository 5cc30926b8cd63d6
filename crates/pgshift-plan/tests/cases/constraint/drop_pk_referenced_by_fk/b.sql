CREATE TABLE a (id int); CREATE TABLE b (a_id int);
