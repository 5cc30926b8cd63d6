CREATE TABLE "Ord Er" ("C d" int, other int); CREATE INDEX "Ord_ab" ON "Ord Er" ("C d"); CREATE VIEW "V" AS SELECT "C d" AS "a b" FROM "Ord Er";
