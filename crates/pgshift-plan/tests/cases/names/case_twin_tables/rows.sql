INSERT INTO "SubscriptionStatus" VALUES (1, 'A'); INSERT INTO subscriptionstatus VALUES (2, 'b');
