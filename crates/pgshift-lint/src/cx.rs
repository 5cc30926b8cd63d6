//! What a rule sees: the statement ([`Cx`]) and what the same file did before it ([`State`]).

use std::collections::BTreeSet;

use pg_query::protobuf::{AlterTableType, ConstrType};
use pg_query::NodeEnum;
use pgshift_history::guard::{Name, Owned, Target};
use pgshift_history::{MigrationFile, Section};

use crate::ast;
use crate::Settings;

/// One statement as a rule sees it.
pub struct Cx<'a> {
    /// Its parse tree (PostgreSQL's parser).
    pub node: &'a NodeEnum,
    /// Its text.
    pub sql: &'a str,
    /// The section it is in (direction, transaction).
    pub section: &'a Section,
    /// The file.
    pub file: &'a MigrationFile,
    /// The lint settings.
    pub settings: &'a Settings,
    /// What the project owns, when the caller knows it.
    pub owned: Option<&'a Owned>,
    /// What the file did before this statement (same direction).
    pub state: &'a State,
    /// Every statement of the same direction of the file, parsed (statements the parser
    /// rejects left out), in file order: `nodes[index]` is [`Cx::node`].
    pub nodes: &'a [NodeEnum],
    /// This statement's position in `nodes`.
    pub index: usize,
}

impl Cx<'_> {
    /// Whether `table` exists before this migration, as far as the file says: not created
    /// earlier in the same direction (a new table holds no rows and nobody reads it yet).
    pub fn existing(&self, table: &Name) -> bool {
        self.state.existing(table)
    }

    /// The statements of the same direction before this one, in file order.
    pub fn before(&self) -> &[NodeEnum] {
        self.nodes.get(..self.index).unwrap_or_default()
    }

    /// The table and its `ALTER TABLE` commands of `kind`, when the statement alters a table that
    /// existed before this file (`None` otherwise).
    pub fn existing_table_commands(&self, kind: AlterTableType) -> Option<(Name, Vec<&pg_query::protobuf::AlterTableCmd>)> {
        let (table, cmds) = ast::alter_table(self.node)?;
        if !self.existing(&table) {
            return None;
        }
        Some((table, cmds.into_iter().filter(|(k, _)| *k == kind).map(|(_, cmd)| cmd).collect()))
    }

    /// The table and the constraints of `kind` an `ALTER TABLE … ADD CONSTRAINT` adds to it,
    /// when the table existed before this file (`None` otherwise).
    pub fn added_constraints(&self, kind: ConstrType) -> Option<(Name, Vec<&pg_query::protobuf::Constraint>)> {
        let (table, cmds) = self.existing_table_commands(AlterTableType::AtAddConstraint)?;
        Some((table, cmds.into_iter().filter_map(ast::added_constraint).filter(|c| ast::contype(c) == kind).collect()))
    }

    /// Whether the statement runs inside a transaction.
    pub fn transactional(&self) -> bool {
        self.section.transactional
    }
}

/// What the statements before the current one did, per direction.
#[derive(Debug, Default)]
pub struct State {
    /// Everything created earlier in this direction (relations, indexes, types, functions, …).
    pub created: BTreeSet<Name>,
    /// Relations the current transaction has touched (and so holds locks on).
    pub locked: BTreeSet<Name>,
    /// Constraints added `NOT VALID` in the current transaction: (table, constraint).
    pub not_valid: BTreeSet<(Name, String)>,
    /// Whether a `SET lock_timeout` ran earlier in this direction.
    pub lock_timeout: bool,
    in_transaction: bool,
}

impl State {
    /// Whether `table` exists before the file, as far as the statements recorded say (see
    /// [`Cx::existing`]).
    pub fn existing(&self, table: &Name) -> bool {
        !self.created.iter().any(|c| ast::same(c, table))
    }

    /// Enter `section`: a new transaction unless it continues the previous transactional one.
    pub fn enter(&mut self, section: &Section) {
        if !section.transactional || !self.in_transaction {
            self.locked.clear();
            self.not_valid.clear();
        }
        self.in_transaction = section.transactional;
    }

    /// Record what `node` did.
    pub fn after(&mut self, node: &NodeEnum) {
        // Everything the statement creates, as the ownership guard reads it (tables and their
        // sequences, indexes, types, functions, schemas, extensions, …).
        self.created.extend(pgshift_history::guard::created_of(node));
        if let NodeEnum::VariableSetStmt(s) = node {
            if s.name.eq_ignore_ascii_case("lock_timeout") {
                self.lock_timeout = true;
            }
        }
        if let Some((table, cmds)) = ast::alter_table(node) {
            for (kind, cmd) in cmds {
                if kind == AlterTableType::AtAddConstraint {
                    if let Some(c) = ast::added_constraint(cmd).filter(|c| c.skip_validation) {
                        if matches!(ast::contype(c), ConstrType::ConstrCheck | ConstrType::ConstrForeign) {
                            self.not_valid.insert((table.clone(), c.conname.clone()));
                        }
                    }
                }
            }
        }
        if self.in_transaction {
            for target in pgshift_history::guard::targets_of(node) {
                if let Target::Object(name) = target {
                    self.locked.insert(name);
                }
            }
        }
    }
}
