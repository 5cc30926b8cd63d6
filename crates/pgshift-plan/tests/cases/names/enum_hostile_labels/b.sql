CREATE TYPE "Mood Type" AS ENUM ('ünï', 'it''s', 'back\slash', 'new "one"'); CREATE TABLE "T" ("m" "Mood Type" DEFAULT 'it''s');
