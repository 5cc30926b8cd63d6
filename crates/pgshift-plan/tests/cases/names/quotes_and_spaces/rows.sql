INSERT INTO "a ""quoted"" table" VALUES (1, 'a'), (2, NULL);
