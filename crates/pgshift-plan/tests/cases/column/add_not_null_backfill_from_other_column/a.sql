CREATE TABLE "T" ("First Name" text);
