CREATE TYPE "Mood Type" AS ENUM ('it''s', 'back\slash', 'a b', 'ünï'); CREATE TABLE "T" ("m" "Mood Type");
