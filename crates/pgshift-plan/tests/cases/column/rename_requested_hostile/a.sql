CREATE TABLE "Ord Er" ("a b" int, other int); CREATE INDEX "Ord_ab" ON "Ord Er" ("a b"); CREATE VIEW "V" AS SELECT "a b" FROM "Ord Er";
