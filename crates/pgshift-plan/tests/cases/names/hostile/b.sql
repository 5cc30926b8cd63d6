CREATE TABLE "Order" ("select" bigint, "a b" text NOT NULL DEFAULT 'it''s', "quo""te" text); CREATE INDEX "Idx Caps" ON "Order" ("a b");
