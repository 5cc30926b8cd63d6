CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a_id int);
