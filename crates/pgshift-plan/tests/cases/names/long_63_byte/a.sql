CREATE TABLE "txxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" ("Colüüüüüüüüüüüüüüüüüüüüüüüüüüüüüü" int, other text);
