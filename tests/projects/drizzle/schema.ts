// A Drizzle ORM schema: pgshift reads its DDL through `drizzle-kit export` (see pgshift.toml).
import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgEnum, pgTable, serial, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const planTier = pgEnum("plan_tier", ["free", "pro", "team"]);

export const accounts = pgTable(
  "accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    tier: planTier("tier").notNull().default("free"),
    settings: jsonb("settings").notNull().default(sql`'{}'::jsonb`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("accounts_email_key").on(sql`lower(${t.email})`)],
);

export const projects = pgTable(
  "projects",
  {
    id: serial("id").primaryKey(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    seats: integer("seats").notNull().default(1),
    archivedAt: timestamp("archived_at", { withTimezone: true }),
  },
  (t) => [
    index("projects_account_idx").on(t.accountId),
    index("projects_live_idx").on(t.accountId).where(sql`${t.archivedAt} IS NULL`),
    check("projects_seats_positive", sql`${t.seats} > 0`),
  ],
);
