CREATE TABLE "T" ("First Name" text, "Display" text NOT NULL);
