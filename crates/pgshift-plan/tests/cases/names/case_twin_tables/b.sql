CREATE TABLE "SubscriptionStatus" (id int, "Label" text, "Note" text); CREATE TABLE subscriptionstatus (id bigint, label text NOT NULL DEFAULT 'x');
