CREATE TABLE "SubscriptionStatus" (id int, "Label" text); CREATE TABLE subscriptionstatus (id int, label text);
