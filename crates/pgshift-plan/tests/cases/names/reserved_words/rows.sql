INSERT INTO "table" VALUES (1); INSERT INTO "user" VALUES (1, 's', 2);
