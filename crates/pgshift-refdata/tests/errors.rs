//! Bad input: each error names the file, the row (by key) and the column, and nothing is
//! written. Every case starts from the acceptance project with one file changed.

mod common;

use pgshift_refdata::SyncOptions;
use pgshift_testkit::TestDb;

/// Load and sync the project with `file` replaced by `text`; return the error's message
/// after checking that no table got a row.
async fn sync_error(file: &str, text: &str) -> String {
    sync_error_with("", file, text).await
}

/// [`sync_error`] on the acceptance schema followed by `extra_sql`.
async fn sync_error_with(extra_sql: &str, file: &str, text: &str) -> String {
    let t = TestDb::with_sql(&format!("{}\n{extra_sql}", common::SCHEMA)).await;
    let dir = tempfile::tempdir().unwrap();
    common::write_data(dir.path());
    std::fs::write(dir.path().join(file), text).unwrap();
    let result = match common::load(dir.path()) {
        Ok(data) => pgshift_refdata::sync(&t.client, &data, &SyncOptions::default()).await.map(|_| ()),
        Err(e) => Err(e),
    };
    let message = result.expect_err("bad input must be refused").to_string();
    for table in ["plan", "ttsmodel", "voice"] {
        let n: i64 = t.client.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0);
        assert_eq!(n, 0, "{table} was written to although the input was refused: {message}");
    }
    t.finish().await;
    message
}

fn assert_names(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{part:?} missing in: {message}");
    }
}

#[tokio::test]
async fn a_row_missing_a_key_column() {
    let text = common::MODELS.replace("slug = \"piper\"\n", "");
    let message = sync_error("models.toml", &text).await;
    assert_names(&message, &["models.toml", "row 2", "key column slug is missing"]);
}

#[tokio::test]
async fn a_duplicate_natural_key_across_files() {
    let t = TestDb::with_sql(common::SCHEMA).await;
    let dir = tempfile::tempdir().unwrap();
    common::write_data(dir.path());
    std::fs::write(dir.path().join("more_models.toml"), "table = \"ttsmodel\"\nkey = \"slug\"\n[[rows]]\nslug = \"kokoro\"\nname = \"again\"\nparameters = {}\nusage_multiplier = 2\n").unwrap();
    let message = common::load(dir.path()).unwrap_err().to_string();
    assert_names(&message, &["models.toml, row 1 (slug = \"kokoro\")", "more_models.toml, row 1 (slug = \"kokoro\")", "duplicate natural key"]);
    t.finish().await;
}

#[tokio::test]
async fn a_reference_to_a_row_that_does_not_exist() {
    let text = common::VOICES.replace("slug = \"piper\" }", "slug = \"vits\" }");
    let message = sync_error("voices.toml", &text).await;
    assert_names(&message, &["voices.toml, row 1", "slug = \"amy\"", "column model_id", "public.ttsmodel (slug = \"vits\")", "does not exist"]);
}

#[tokio::test]
async fn a_value_of_the_wrong_type() {
    let text = common::PLANS.replace("price_cents = 1999", "price_cents = \"19.99 USD\"");
    let message = sync_error("plans.toml", &text).await;
    assert_names(&message, &["plans.toml, row 3 (tier = \"pro\")", "column price_cents", "\"19.99 USD\" is not a valid integer"]);

    let text = common::PLANS.replace("tier = \"basic\"", "tier = \"gold\"");
    let message = sync_error("plans.toml", &text).await;
    assert_names(&message, &["plans.toml, row 2 (tier = \"gold\")", "column tier", "public.plan_tier", "invalid input value for enum"]);

    let text = common::KOKORO_VOICES.replace("\"index\": 3", "\"index\": \"third\"");
    let message = sync_error("kokoro_voices.json", &text).await;
    assert_names(&message, &["voices.toml, kokoro_voices.json[3]", "slug = \"jf_alpha\"", "column position"]);
}

#[tokio::test]
async fn an_unknown_column() {
    let text = common::PLANS.replace("name = \"Pro\"", "name = \"Pro\"\ncolour = \"gold\"");
    let message = sync_error("plans.toml", &text).await;
    assert_names(&message, &["plans.toml, row 3 (tier = \"pro\")", "column colour does not exist in"]);
}

#[tokio::test]
async fn a_row_lacking_a_column_other_rows_set() {
    let text = common::MODELS.replace("usage_multiplier = 0.5\n", "");
    let message = sync_error("models.toml", &text).await;
    assert_names(&message, &["models.toml, row 2 (slug = \"piper\")", "column usage_multiplier is missing"]);
}

#[tokio::test]
async fn a_foreign_table() {
    let message = sync_error("accounts.toml", "table = \"accounts\"\nkey = \"id\"\n[[rows]]\nid = 1\n").await;
    assert_names(&message, &["accounts.toml", "table accounts is not owned"]);
}

#[tokio::test]
async fn an_unset_environment_variable() {
    let text = common::PLANS.replace("STRIPE_PRICE_BASIC_MONTHLY", "STRIPE_PRICE_BASIC_YEARLY");
    let message = sync_error("plans.toml", &text).await;
    assert_names(&message, &["plans.toml, row 2 (tier = \"basic\")", "column stripe_price", "STRIPE_PRICE_BASIC_YEARLY is not set"]);
}

/// `plan` with length-limited, precise and date columns; every row gets valid defaults.
const LIMITED: &str = "ALTER TABLE plan ADD COLUMN code varchar(4) NOT NULL, ADD COLUMN grade char(2) NOT NULL, \
                       ADD COLUMN fee numeric(5, 2) NOT NULL, ADD COLUMN launched date NOT NULL;";

/// The plans file with valid values for [`LIMITED`]'s columns, and `row3` added to the "pro" row.
fn limited_plans(row3: &str) -> String {
    let defaults = "key = \"tier\"\n\n[defaults]\ncode = \"pl\"\ngrade = \"a \"\nfee = \"999.99\"\nlaunched = \"2024-02-29\"\n";
    common::PLANS.replacen("key = \"tier\"\n", defaults, 1).replace("name = \"Pro\"", &format!("name = \"Pro\"\n{row3}"))
}

#[tokio::test]
async fn valid_values_at_the_limits_are_synced() {
    let t = TestDb::with_sql(&format!("{}\n{LIMITED}", common::SCHEMA)).await;
    let dir = tempfile::tempdir().unwrap();
    common::write_data(dir.path());
    std::fs::write(dir.path().join("plans.toml"), limited_plans("code = \"PRO1\"\ngrade = \"bb   \"")).unwrap();
    let data = common::load(dir.path()).unwrap();
    let done = pgshift_refdata::sync(&t.client, &data, &SyncOptions::default()).await.unwrap();
    assert_eq!(done.counts(), (10, 0, 0));
    let row = t.client.query_one("SELECT code, grade::text, fee::text FROM plan WHERE tier = 'pro'", &[]).await.unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, String>(1), row.get::<_, String>(2)), ("PRO1".into(), "bb".into(), "999.99".into()));
    t.finish().await;
}

#[tokio::test]
async fn a_varchar_value_too_long_is_refused_before_any_write() {
    let message = sync_error_with(LIMITED, "plans.toml", &limited_plans("code = \"PRO-1\"")).await;
    assert_names(&message, &["plans.toml, row 3 (tier = \"pro\")", "column code", "\"PRO-1\"", "character varying(4)", "5 characters, at most 4"]);
}

#[tokio::test]
async fn a_char_value_too_long_is_refused_before_any_write() {
    let message = sync_error_with(LIMITED, "plans.toml", &limited_plans("grade = \"abc\"")).await;
    assert_names(&message, &["plans.toml, row 3 (tier = \"pro\")", "column grade", "character(2)", "too long"]);
}

#[tokio::test]
async fn a_numeric_precision_overflow_is_refused_before_any_write() {
    let message = sync_error_with(LIMITED, "plans.toml", &limited_plans("fee = \"1234.5\"")).await;
    assert_names(&message, &["plans.toml, row 3 (tier = \"pro\")", "column fee", "numeric(5,2)", "numeric field overflow"]);
}

#[tokio::test]
async fn an_integer_out_of_range_is_refused_before_any_write() {
    let text = common::PLANS.replace("price_cents = 1999", "price_cents = 99999999999");
    let message = sync_error("plans.toml", &text).await;
    assert_names(&message, &["plans.toml, row 3 (tier = \"pro\")", "column price_cents", "out of range for type integer"]);
}

#[tokio::test]
async fn a_bad_date_is_refused_before_any_write() {
    let message = sync_error_with(LIMITED, "plans.toml", &limited_plans("launched = \"2023-02-29\"")).await;
    assert_names(&message, &["plans.toml, row 3 (tier = \"pro\")", "column launched", "not a valid date", "out of range"]);
}
