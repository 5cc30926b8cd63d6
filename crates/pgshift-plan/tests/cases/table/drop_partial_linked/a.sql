CREATE TABLE account (id int PRIMARY KEY);
CREATE TABLE zz_plan (id int PRIMARY KEY);
CREATE TABLE subscription (id int PRIMARY KEY, account_id int NOT NULL REFERENCES account, plan_id int REFERENCES zz_plan);
CREATE TABLE invoice (id int PRIMARY KEY, subscription_id int REFERENCES subscription, account_id int REFERENCES account);
