//! The registry: every rule, one line each. Adding a rule = one file in this directory, one line
//! in [`ALL`], and a fixture directory `tests/fixtures/<id>/` with `bad.sql` (triggers it) and
//! `good.sql` (does not); `tests/rules.rs` checks all three exist and agree, and snapshots what
//! the rule reports on `bad.sql` (an `owned.txt` beside them lists the tables the project owns,
//! for rules that read [`crate::Cx::owned`]).
//!
//! The rules, by family ([`crate::Category`]; severity by default):
//! * destructive: `drop-table`, `drop-column`, `drop-enum-label`, `drop-schema`, `truncate`,
//!   `delete-without-where` (errors); `drop-type`, `narrowing-type`, `update-without-where`;
//! * data-dependent (fail on existing rows that violate them; `pgshift preflight` checks):
//!   `add-not-null` (an error for a NOT NULL column without a default), `add-check`,
//!   `add-unique`, `add-foreign-key`, `add-exclude`, `add-primary-key`, `type-change-with-cast`;
//! * locking: `table-rewrite`, `index-without-concurrently`, `drop-index-without-concurrently`,
//!   `reindex-without-concurrently`, `validate-in-same-transaction`,
//!   `many-tables-in-transaction`, `lock-table`, `missing-lock-timeout`;
//! * non-transactional: `concurrently-in-transaction` (an error), `enum-value-used-in-transaction`;
//! * irreversible: `no-down`;
//! * foreign: `foreign-object` (an error; only when the caller passes what the project owns);
//! * hygiene: `rename-column`, `rename-table`, `prefer-identity`, `prefer-bigint-id`,
//!   `prefer-timestamptz`, `prefer-text`, `missing-fk-index`.
//!
//! A rule that fires on a table skips tables created earlier in the same file (no rows, no
//! readers yet: [`crate::Cx::existing`]).

use crate::Rule;

mod add_check;
mod add_exclude;
mod add_foreign_key;
mod add_not_null;
mod add_primary_key;
mod add_unique;
mod concurrently_in_transaction;
mod delete_without_where;
mod drop_column;
mod drop_enum_label;
mod drop_index_without_concurrently;
mod drop_schema;
mod drop_table;
mod drop_type;
mod enum_value_used_in_transaction;
mod foreign_object;
mod index_without_concurrently;
mod lock_table;
mod many_tables_in_transaction;
mod missing_fk_index;
mod missing_lock_timeout;
mod narrowing_type;
mod no_down;
mod prefer_bigint_id;
mod prefer_identity;
mod prefer_text;
mod prefer_timestamptz;
mod reindex_without_concurrently;
mod rename_column;
mod rename_table;
mod table_rewrite;
mod truncate;
mod type_change_with_cast;
mod update_without_where;
mod validate_in_same_transaction;

/// Every rule, in the order findings on the same position are listed.
pub static ALL: &[&dyn Rule] = &[
    // destructive
    &drop_table::DropTable,
    &drop_column::DropColumn,
    &drop_type::DropType,
    &drop_enum_label::DropEnumLabel,
    &drop_schema::DropSchema,
    &narrowing_type::NarrowingType,
    &truncate::Truncate,
    &delete_without_where::DeleteWithoutWhere,
    &update_without_where::UpdateWithoutWhere,
    // data-dependent
    &add_not_null::AddNotNull,
    &add_check::AddCheck,
    &add_unique::AddUnique,
    &add_foreign_key::AddForeignKey,
    &add_exclude::AddExclude,
    &add_primary_key::AddPrimaryKey,
    &type_change_with_cast::TypeChangeWithCast,
    // locking
    &table_rewrite::TableRewrite,
    &index_without_concurrently::IndexWithoutConcurrently,
    &drop_index_without_concurrently::DropIndexWithoutConcurrently,
    &reindex_without_concurrently::ReindexWithoutConcurrently,
    &validate_in_same_transaction::ValidateInSameTransaction,
    &many_tables_in_transaction::ManyTablesInTransaction,
    &lock_table::LockTable,
    &missing_lock_timeout::MissingLockTimeout,
    // non-transactional
    &concurrently_in_transaction::ConcurrentlyInTransaction,
    &enum_value_used_in_transaction::EnumValueUsedInTransaction,
    // foreign
    &foreign_object::ForeignObject,
    // hygiene
    &rename_column::RenameColumn,
    &rename_table::RenameTable,
    &prefer_identity::PreferIdentity,
    &prefer_bigint_id::PreferBigintId,
    &prefer_timestamptz::PreferTimestamptz,
    &prefer_text::PreferText,
    &missing_fk_index::MissingFkIndex,
    // irreversible
    &no_down::NoDown,
];

/// The rule with id `id`.
pub fn find(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().id == id)
}

/// `static META: Meta = …` for a rule file.
macro_rules! meta {
    ($id:literal, $category:ident, $severity:ident, $message:literal, why: $why:literal, instead: $instead:literal $(,)?) => {
        static META: $crate::Meta = $crate::Meta {
            id: $id,
            category: $crate::Category::$category,
            severity: $crate::Severity::$severity,
            message: $message,
            why: $why,
            instead: $instead,
        };
    };
}
pub(crate) use meta;
