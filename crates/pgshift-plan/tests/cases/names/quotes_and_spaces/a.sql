CREATE TABLE "a ""quoted"" table" ("col ""1""" int, "semi;colon" text);
