//! The acceptance project of issue 6: plans (enum tier, env price ids, jsonb features),
//! TTS models (jsonb parameters) and their voices (FK to the model, unique (slug, model_id),
//! generated from a JSON list), written into a temporary `data/` directory.

#![allow(dead_code, clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use pgshift_catalog::QualName;
use pgshift_refdata::{DataSet, LoadOptions, RefError};

pub const SCHEMA: &str = "
CREATE TYPE plan_tier AS ENUM ('free', 'basic', 'pro');
CREATE TABLE plan (
    id serial PRIMARY KEY,
    tier plan_tier NOT NULL UNIQUE,
    name text NOT NULL,
    price_cents integer NOT NULL,
    stripe_price text,
    features jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE ttsmodel (
    id serial PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}',
    usage_multiplier double precision NOT NULL DEFAULT 1.0
);
CREATE TABLE voice (
    id serial PRIMARY KEY,
    model_id integer NOT NULL REFERENCES ttsmodel (id),
    slug text NOT NULL,
    language text NOT NULL,
    position integer NOT NULL,
    UNIQUE (slug, model_id)
);
";

pub const PLANS: &str = r#"
table = "plan"
key = "tier"

[[rows]]
tier = "free"
name = "Free"
price_cents = 0
stripe_price = { null = true }
features = { voices = 3, cloning = false }

[[rows]]
tier = "basic"
name = "Basic"
price_cents = 900
stripe_price = { env = "STRIPE_PRICE_BASIC_MONTHLY" }
features = { voices = 20, cloning = false }

[[rows]]
tier = "pro"
name = "Pro"
price_cents = 1999
stripe_price = { env = "STRIPE_PRICE_PRO_MONTHLY", default = "price_pro_test" }
features = { voices = 100, cloning = true, tags = ["beta", "fast"] }
"#;

pub const MODELS: &str = r#"
table = "ttsmodel"
key = "slug"

[[rows]]
slug = "kokoro"
name = "Kokoro 82M"
parameters = { sample_rate = 24000, speed = 1.0 }
usage_multiplier = 1.0

[[rows]]
slug = "piper"
name = "Piper"
parameters = { sample_rate = 22050 }
usage_multiplier = 0.5
"#;

pub const VOICES: &str = r#"
table = "voice"
key = ["model_id", "slug"]

[[rows_from]]
file = "kokoro_voices.json"
columns = { slug = "name", language = "language", position = "index" }
set = { model_id = { ref = "ttsmodel", slug = "kokoro" } }

[[rows]]
model_id = { ref = "ttsmodel", slug = "piper" }
slug = "amy"
language = "en-us"
position = 0
"#;

pub const KOKORO_VOICES: &str = r#"[
  { "index": 0, "name": "af_heart", "language": "en-us" },
  { "index": 1, "name": "af_bella", "language": "en-us" },
  { "index": 2, "name": "bf_emma", "language": "en-gb" },
  { "index": 3, "name": "jf_alpha", "language": "ja" }
]"#;

/// Write the acceptance project's `data/` into `dir`.
pub fn write_data(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in [("plans.toml", PLANS), ("models.toml", MODELS), ("voices.toml", VOICES), ("kokoro_voices.json", KOKORO_VOICES)] {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

pub fn owned() -> BTreeSet<QualName> {
    ["plan", "ttsmodel", "voice"].into_iter().map(|t| QualName::new("public", t)).collect()
}

pub fn env() -> BTreeMap<String, String> {
    [("STRIPE_PRICE_BASIC_MONTHLY", "price_basic_123")].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

pub fn load(dir: &Path) -> Result<DataSet, RefError> {
    let owned = owned();
    let env = env();
    let lookup = |name: &str| env.get(name).cloned();
    pgshift_refdata::load(dir, &LoadOptions { owned: &owned, env: &lookup })
}

/// The reference data as text, by natural key (ids left out: they differ between copies).
pub async fn snapshot(client: &tokio_postgres::Client) -> String {
    let queries = [
        "SELECT tier::text, name, price_cents::text, coalesce(stripe_price, 'NULL'), features::text FROM plan ORDER BY tier",
        "SELECT slug, name, parameters::text, usage_multiplier::text FROM ttsmodel ORDER BY slug",
        "SELECT m.slug, v.slug, v.language, v.position::text FROM voice v JOIN ttsmodel m ON m.id = v.model_id ORDER BY 1, 2",
    ];
    let mut out = String::new();
    for q in queries {
        for row in client.query(q, &[]).await.unwrap() {
            let cols: Vec<String> = (0..row.len()).map(|i| row.get::<_, String>(i)).collect();
            out.push_str(&cols.join(" | "));
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Hand edits on "production": a changed price, a deleted voice, an extra model.
pub async fn hand_edit(client: &tokio_postgres::Client) {
    client
        .batch_execute(
            "UPDATE plan SET price_cents = 1499 WHERE tier = 'pro';
             DELETE FROM voice WHERE slug = 'af_bella';
             INSERT INTO ttsmodel (slug, name) VALUES ('legacy', 'Legacy model');",
        )
        .await
        .unwrap();
}
