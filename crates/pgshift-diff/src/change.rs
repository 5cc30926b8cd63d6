//! The vocabulary of a diff: typed [`Change`]s, the [`TableAction`]s inside a table change,
//! and the [`Hazard`]s a reviewer must see.

use pgshift_catalog::{Column, Constraint, ObjectRef, QualName, ReplicaIdentity, Sequence};
use serde::Serialize;

/// One change to one object, in execution order within a [`crate::Diff`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The object changed (as named in the target catalog; for drops, in the source).
    pub object: ObjectRef,
    /// What happens to it.
    pub kind: ChangeKind,
    /// What could go wrong, for the reviewer and for the preflight.
    pub hazards: Vec<Hazard>,
}

/// What a [`Change`] does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeKind {
    /// Create the object as the target catalog has it.
    Create,
    /// Drop the object as the source catalog has it.
    Drop,
    /// `CREATE OR REPLACE` the object (functions) with the target's definition.
    Replace,
    /// Rename an object (table, view, index, sequence, type) within its schema.
    Rename {
        /// Old name.
        from: QualName,
    },
    /// Change a table in place.
    AlterTable {
        /// The actions, in the order they run.
        actions: Vec<TableAction>,
    },
    /// Change a sequence's options or owner.
    AlterSequence {
        /// Target sequence.
        to: Box<Sequence>,
    },
    /// `ALTER TYPE … ADD VALUE` (runs outside a transaction).
    AddEnumLabel {
        /// The new label.
        label: String,
        /// Place it before this label…
        before: Option<String>,
        /// …or after this one (when it goes last).
        after: Option<String>,
    },
    /// `ALTER TYPE … RENAME VALUE` (asked for with `--rename schema.type:old=new`).
    RenameEnumLabel {
        /// Old label.
        from: String,
        /// New label.
        to: String,
    },
    /// Remove or reorder enum labels by swapping in a new type.
    SwapEnum {
        /// Labels of the target type, in order.
        labels: Vec<String>,
        /// Labels that disappear (rows holding one make the migration fail: data check).
        removed: Vec<String>,
        /// Table columns of this type, re-typed in the swap, with their defaults.
        columns: Vec<EnumColumn>,
    },
    /// Change a domain's default or NOT NULL in place.
    AlterDomain {
        /// New default.
        default: Option<String>,
        /// New NOT NULL.
        not_null: bool,
    },
    /// Enable or disable a trigger (`O`, `D`, `R`, `A`).
    TriggerState {
        /// The new state.
        enabled: char,
    },
    /// Set or remove the object's comment.
    Comment {
        /// The new comment.
        comment: Option<String>,
    },
    /// `ALTER TABLE parent DETACH PARTITION object` (scheduled with the drops: before the
    /// parent changes, so nothing it does recurses into the table any more).
    DetachPartition {
        /// The partitioned table it leaves.
        parent: QualName,
    },
    /// A table PostgreSQL cannot change in place (plain to partitioned or back) is renamed out
    /// of the way, scheduled with the drops: `ALTER TABLE object RENAME TO to`. What belongs to
    /// it goes with it; the target's table is created under its name, then [`ChangeKind::FillFrom`].
    SetAside {
        /// The temporary name.
        to: QualName,
    },
    /// Copy the rows of a set-aside table into its recreated table, then drop the old one (and
    /// the partitions it had). Runs after the new table's partitions are created and before
    /// anything else that needs the table (keys, indexes, foreign keys, views).
    FillFrom {
        /// The set-aside table.
        from: QualName,
        /// Columns copied (those of the target table the old one has, not generated).
        columns: Vec<String>,
    },
    /// A new index on a partitioned table takes the partitions' existing matching indexes:
    /// `CREATE INDEX … ON ONLY parent` (its create step) then `ALTER INDEX object ATTACH
    /// PARTITION …` for each (pg_dump's form).
    AttachIndexes {
        /// The partitions' indexes, one per partition of the table.
        partitions: Vec<QualName>,
    },
    /// `ALTER EXTENSION … UPDATE TO` the target's version.
    UpdateExtension {
        /// The installed version.
        from: String,
        /// The target version.
        to: String,
    },
    /// `GRANT … ON object TO grantee` (only with `DiffOptions::with_privileges`).
    Grant {
        /// The role, `public` for PUBLIC.
        grantee: String,
        /// The privileges (`SELECT`, `USAGE`, …), sorted.
        privileges: Vec<String>,
        /// `WITH GRANT OPTION`.
        with_grant_option: bool,
    },
    /// `REVOKE … ON object FROM grantee` (only with `DiffOptions::with_privileges`).
    Revoke {
        /// The role, `public` for PUBLIC.
        grantee: String,
        /// The privileges, sorted.
        privileges: Vec<String>,
        /// `REVOKE GRANT OPTION FOR`: the privileges stay, the grant option goes.
        grant_option_only: bool,
    },
}

/// A table column whose type is an enum being swapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnumColumn {
    /// The table.
    pub table: QualName,
    /// The column.
    pub column: String,
    /// Its default in the target, when it keeps the type (the current default is dropped
    /// before the swap; this one is set after).
    pub default: Option<String>,
    /// Whether the column has a default now (dropped before the swap).
    pub had_default: bool,
    /// Whether the column is an array of the enum.
    pub array: bool,
}

/// One in-place change to a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableAction {
    /// Drop a CHECK constraint that lives inside the table definition.
    DropCheck {
        /// Its name.
        name: String,
    },
    /// `DROP COLUMN`.
    DropColumn {
        /// Its name.
        name: String,
    },
    /// `RENAME COLUMN`.
    RenameColumn {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `ADD COLUMN`.
    AddColumn {
        /// The column as the target has it.
        column: Box<Column>,
    },
    /// `ALTER COLUMN … TYPE` (with collation).
    AlterColumnType {
        /// The column as the target has it.
        column: Box<Column>,
        /// The source type, for the `USING` cast and the data check.
        from_type: String,
    },
    /// `SET DEFAULT` / `DROP DEFAULT`.
    SetDefault {
        /// Column.
        column: String,
        /// New default.
        default: Option<String>,
    },
    /// `SET NOT NULL` / `DROP NOT NULL`.
    SetNotNull {
        /// Column.
        column: String,
        /// New nullability.
        not_null: bool,
    },
    /// Identity added, removed or changed.
    SetIdentity {
        /// The column as the target has it.
        column: Box<Column>,
        /// Whether the source column was an identity.
        was_identity: bool,
    },
    /// Drop the sequence a column owned (a `serial` becoming an identity column whose
    /// sequence takes the same name).
    DropOwnedSequence {
        /// The sequence.
        sequence: QualName,
    },
    /// Create the sequence a column will own (an identity column becoming a `serial` whose
    /// sequence takes the identity sequence's name, free only once the identity is dropped).
    CreateOwnedSequence {
        /// The sequence as the target has it.
        sequence: Box<Sequence>,
    },
    /// A generated column whose expression changed: dropped and added again.
    RegenerateColumn {
        /// The column as the target has it.
        column: Box<Column>,
    },
    /// Add a CHECK constraint to an existing table.
    AddCheck {
        /// The constraint.
        constraint: Box<Constraint>,
    },
    /// `ENABLE`/`DISABLE ROW LEVEL SECURITY`.
    SetRowSecurity {
        /// Enabled.
        enabled: bool,
    },
    /// `FORCE`/`NO FORCE ROW LEVEL SECURITY`.
    SetForceRowSecurity {
        /// Forced.
        forced: bool,
    },
    /// Storage parameters set and reset.
    SetOptions {
        /// `name=value` to set.
        set: Vec<String>,
        /// Names to reset.
        reset: Vec<String>,
    },
    /// `SET LOGGED` / `SET UNLOGGED`.
    SetLogged {
        /// Unlogged.
        unlogged: bool,
    },
    /// `COMMENT ON TABLE`.
    Comment {
        /// New comment.
        comment: Option<String>,
    },
    /// `ALTER TABLE parent ATTACH PARTITION table bound` (its last action: the table matches the
    /// parent's columns and checks by then).
    AttachPartition {
        /// The partitioned table.
        parent: QualName,
        /// `FOR VALUES …` or `DEFAULT`.
        bound: String,
        /// The parent's partition key (`RANGE (at)`), for the proof query.
        key: String,
    },
    /// `REPLICA IDENTITY …` (scheduled after the index it names is built).
    SetReplicaIdentity {
        /// The target's replica identity.
        identity: ReplicaIdentity,
    },
    /// `COMMENT ON COLUMN`.
    ColumnComment {
        /// Column.
        column: String,
        /// New comment.
        comment: Option<String>,
    },
}

/// Something a reviewer must know about a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "message", rename_all = "snake_case")]
pub enum Hazard {
    /// Data is lost (dropped table, column, enum label).
    Destructive(String),
    /// Succeeds only if the existing rows allow it (the plan carries the proof query).
    DataDependent(String),
    /// Takes a lock that blocks reads or writes for the duration.
    Locking(String),
    /// Rewrites the whole table.
    Rewrite(String),
    /// Cannot run inside a transaction.
    NonTransactional(String),
    /// A drop and an add that look like a rename; says which flag would make it one.
    RenameCandidate(String),
    /// The diff could not express this difference; the plan will not converge on it.
    Unsupported(String),
}
