CREATE TABLE "user" ("order" int, "select" text, "from" int); CREATE TABLE "table" ("column" int PRIMARY KEY);
