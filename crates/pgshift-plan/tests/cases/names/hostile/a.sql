CREATE TABLE "Order" ("select" int, "a b" text);
