CREATE TABLE "Größe" ("ünï" int, "naïve col" text); CREATE TYPE "Étât" AS ENUM ('ouï', 'non');
