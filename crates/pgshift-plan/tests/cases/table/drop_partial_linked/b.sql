CREATE TABLE account (id int PRIMARY KEY);
CREATE TABLE invoice (id int PRIMARY KEY, account_id int REFERENCES account);
