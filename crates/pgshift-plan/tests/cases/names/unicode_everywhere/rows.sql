INSERT INTO "Größe" VALUES (1, 'x');
