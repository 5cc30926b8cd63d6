INSERT INTO "App Data"."T" VALUES (1); INSERT INTO "select".t VALUES (1);
