INSERT INTO "Order" VALUES (1, 'x');
