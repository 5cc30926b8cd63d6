//! The SQL of each change. Creation statements come from the catalog's canonical rendering
//! (so a created object is byte-for-byte what `render` would print); alterations are built
//! here, every name and literal through `pgshift_catalog::quote`.

use std::collections::BTreeMap;

use pgshift_catalog::quote::{ident, literal, reloption};
use pgshift_catalog::render::{column_sql, drop_sql_with, nodes_with_options, replica_identity_sql, sequence_options, sequence_sql, RenderOptions};
use pgshift_catalog::*;
use pgshift_diff::{Change, ChangeKind, Diff, EnumColumn, TableAction};

use crate::idempotent::{column_query, exists_query, guarded, label_query, partition_query, unless_exists};
use crate::online::{self, Part};
use crate::{proof, PlanOptions, Step};

/// New NOT NULL columns without default, identity or generation that have no backfill.
pub fn missing_backfills(source: &Catalog, diff: &Diff, options: &PlanOptions) -> Vec<(QualName, String)> {
    let mut out = Vec::new();
    for change in &diff.changes {
        let (ObjectRef::Table { name }, ChangeKind::AlterTable { actions }) = (&change.object, &change.kind) else {
            continue;
        };
        if !source.tables.contains_key(name) {
            continue;
        }
        for a in actions {
            if let TableAction::AddColumn { column } = a {
                if needs_backfill(column) && !options.backfills.contains_key(&(name.clone(), column.name.to_string())) {
                    out.push((name.clone(), column.name.to_string()));
                }
            }
        }
    }
    out
}

/// The `USING` expression that turns `col` of type `from` into `to`: a direct cast where
/// PostgreSQL has one, through `text` where it has none (enum to another enum, an integer to
/// `uuid`, …), which every type's input and output functions support. A direct cast is kept
/// where it exists because its meaning can differ from the text round trip (numeric to
/// integer rounds; its text form would not parse).
pub fn using_cast(col: &str, from: &str, to: &str, source: &Catalog, target: &Catalog) -> String {
    let (from_elem, from_array) = element(from);
    let (to_elem, to_array) = element(to);
    if from_array == to_array && direct_cast(from_elem, to_elem, source, target) {
        format!("{col}::{to}")
    } else {
        let via = if from_array { "text[]" } else { "text" };
        format!("{col}::{via}::{to}")
    }
}

fn element(ty: &str) -> (&str, bool) {
    match ty.strip_suffix("[]") {
        Some(e) => (e, true),
        None => (ty, false),
    }
}

/// Whether PostgreSQL has a cast from `from` to `to` (both `format_type` spellings), as far as
/// can be known without a database: the same base type with another modifier, a string type on
/// either side (I/O conversion casts), or two built-in types of one family with casts between
/// them. User types (enums, domains, composites) have none but to and from strings.
fn direct_cast(from: &str, to: &str, source: &Catalog, target: &Catalog) -> bool {
    let base = |t: &str| t.split('(').next().unwrap_or(t).trim().to_owned();
    let (from, to) = (base(from), base(to));
    if from == to {
        return true;
    }
    let user = |t: &str| source.types.values().chain(target.types.values()).any(|ty| ty.name.sql() == t);
    const STRINGS: &[&str] = &["text", "character varying", "character", "name", "\"char\"", "public.citext", "citext"];
    if STRINGS.contains(&from.as_str()) || STRINGS.contains(&to.as_str()) {
        return true;
    }
    if user(&from) || user(&to) {
        return false;
    }
    const FAMILIES: &[&[&str]] = &[
        &["smallint", "integer", "bigint", "numeric", "real", "double precision"],
        &["date", "timestamp without time zone", "timestamp with time zone"],
        &["time without time zone", "time with time zone"],
        &["json", "jsonb"],
        &["bit", "bit varying"],
        &["inet", "cidr"],
        &["integer", "boolean"],
        &["money", "numeric", "integer", "bigint"],
    ];
    FAMILIES.iter().any(|f| f.contains(&from.as_str()) && f.contains(&to.as_str()))
}

fn needs_backfill(c: &Column) -> bool {
    c.not_null && c.default.is_none() && c.identity.is_none() && c.generated.is_none()
}

/// The objects of `target` in `created`, with the table of each created constraint, trigger
/// and policy (their SQL is rendered from the table): enough for `nodes_with` to render them.
fn created_subset(target: &Catalog, created: &std::collections::BTreeSet<&ObjectRef>) -> Catalog {
    fn copy<K: Ord + Clone, V: Clone>(from: &BTreeMap<K, V>, to: &mut BTreeMap<K, V>, key: &K) {
        if let Some(v) = from.get(key) {
            to.entry(key.clone()).or_insert_with(|| v.clone());
        }
    }
    let mut subset = Catalog::default();
    for object in created {
        match object {
            ObjectRef::Schema { name } => copy(&target.schemas, &mut subset.schemas, &name.to_string()),
            ObjectRef::Extension { name } => copy(&target.extensions, &mut subset.extensions, &name.to_string()),
            ObjectRef::Type { name } => copy(&target.types, &mut subset.types, name),
            ObjectRef::Sequence { name } => copy(&target.sequences, &mut subset.sequences, name),
            ObjectRef::View { name } => copy(&target.views, &mut subset.views, name),
            ObjectRef::Function { key } => copy(&target.functions, &mut subset.functions, key),
            ObjectRef::Index { name } => copy(&target.indexes, &mut subset.indexes, name),
            ObjectRef::Trigger { table, .. } if target.views.contains_key(table) => {
                copy(&target.views, &mut subset.views, table)
            }
            ObjectRef::Table { name: table }
            | ObjectRef::Constraint { table, .. }
            | ObjectRef::Trigger { table, .. }
            | ObjectRef::Policy { table, .. } => {
                copy(&target.tables, &mut subset.tables, table);
                // A partition's defaults are rendered against its parent's.
                if let Some(p) = target.tables.get(table).and_then(|t| t.partition_of.as_ref()) {
                    copy(&target.tables, &mut subset.tables, &p.parent);
                }
            }
            ObjectRef::Collation { name } => copy(&target.collations, &mut subset.collations, name),
        }
    }
    subset
}

/// What the SQL builders need: both catalogs and the target's creation statements.
pub struct Context<'a> {
    source: &'a Catalog,
    target: &'a Catalog,
    options: &'a PlanOptions,
    /// How the catalog renders: idempotent when the plan is.
    render: RenderOptions,
    create: BTreeMap<ObjectRef, Vec<String>>,
}

impl<'a> Context<'a> {
    /// Index the target's creation statements of the objects `diff` creates.
    pub fn new(source: &'a Catalog, target: &'a Catalog, diff: &Diff, options: &'a PlanOptions) -> Self {
        let created: std::collections::BTreeSet<&ObjectRef> =
            diff.changes.iter().filter(|c| c.kind == ChangeKind::Create).map(|c| &c.object).collect();
        let mut create = BTreeMap::new();
        // Render from a catalog of just the created objects: walking every node of a large
        // target for a few creates cost more than the rest of the plan.
        let subset = created_subset(target, &created);
        let render = RenderOptions { idempotent: options.idempotent };
        for n in nodes_with_options(&subset, &|o| created.contains(o), &render) {
            if n.primary {
                // A kind with no `IF NOT EXISTS` form: all its statements (a domain's checks,
                // a trigger's state, comments) run together, once, when it does not exist.
                let sql = if render.idempotent && !n.idempotent && !n.sql.is_empty() {
                    vec![unless_exists(&n.object, &n.sql)]
                } else {
                    n.sql
                };
                create.insert(n.object, sql);
            }
        }
        // A CHECK rendered inside its table, added on its own when it was dropped to make way
        // (not when its table is created here: `CREATE TABLE` has it, as when a table is
        // recreated whole and its checks stand on the table set aside).
        for t in subset.tables.values() {
            if created.contains(&ObjectRef::Table { name: t.name.clone() }) {
                continue;
            }
            for c in t.constraints.values().filter(|c| c.is_inline() && c.validated) {
                let object = ObjectRef::Constraint { table: t.name.clone(), name: c.name.as_str().into() };
                if !created.contains(&object) {
                    continue;
                }
                let mut sql = vec![format!("ALTER TABLE {} ADD CONSTRAINT {} {}", t.name.sql(), ident(&c.name), c.definition)];
                if let Some(comment) = &c.comment {
                    sql.push(format!("COMMENT ON CONSTRAINT {} ON {} IS {}", ident(&c.name), t.name.sql(), literal(comment)));
                }
                if render.idempotent {
                    sql = vec![unless_exists(&object, &sql)];
                }
                create.entry(object).or_insert(sql);
            }
        }
        // A new index that takes over its partitions' indexes is created on the parent only,
        // then they are attached to it (pg_dump's form).
        for c in &diff.changes {
            let (ObjectRef::Index { name }, ChangeKind::AttachIndexes { .. }) = (&c.object, &c.kind) else { continue };
            let (Some(index), Some(sql)) = (target.indexes.get(name), create.get_mut(&c.object)) else { continue };
            let table = index.table.sql();
            if let Some(first) = sql.first_mut() {
                *first = first.replacen(&format!(" ON {table} USING "), &format!(" ON ONLY {table} USING "), 1);
            }
        }
        Context { source, target, options, render, create }
    }

    /// The steps of one change. Hazards go on the change's first step (for a table change, on
    /// the step they concern where that is clear).
    pub fn steps(&self, change: &Change) -> Vec<Step> {
        let object = &change.object;
        let step = |sql: String| Step {
            sql,
            transactional: true,
            touches: vec![object.clone()],
            hazards: Vec::new(),
            proof: None,
        };
        let part = |p: Part| Step { proof: p.proof, transactional: p.transactional, ..step(p.sql) };
        let mut steps: Vec<Step> = match &change.kind {
            ChangeKind::Create if self.online_create(object).is_some() => {
                self.online_create(object).unwrap_or_default().into_iter().map(part).collect()
            }
            ChangeKind::Drop if self.online_table(object).is_some() && matches!(object, ObjectRef::Index { .. }) => {
                let ObjectRef::Index { name } = object else { return Vec::new() };
                vec![Step { transactional: false, ..step(online::drop_index(name)) }]
            }
            ChangeKind::Create => {
                let mut steps: Vec<Step> = self.create.get(object).cloned().unwrap_or_default().into_iter().map(step).collect();
                if let (ObjectRef::Constraint { table, name }, Some(first)) = (object, steps.first_mut()) {
                    let existing = self.source.tables.contains_key(table);
                    if let Some(c) = self.target.tables.get(table).and_then(|t| t.constraints.get(name.as_str())) {
                        if existing && c.validated {
                            first.proof = proof::constraint(table, c);
                        }
                    }
                }
                steps
            }
            ChangeKind::Drop => drop_sql_with(self.source, object, &self.render).into_iter().map(step).collect(),
            ChangeKind::Replace => {
                let ObjectRef::Function { key } = object else { return Vec::new() };
                self.target.functions.get(key).map(|f| step(f.definition.trim_end().trim_end_matches(';').to_owned())).into_iter().collect()
            }
            ChangeKind::Rename { from } => {
                let to = match object {
                    ObjectRef::Table { name } => name,
                    _ => return Vec::new(),
                };
                vec![step(format!("ALTER TABLE {}{} RENAME TO {}", self.if_exists(), from.sql(), ident(&to.name)))]
            }
            ChangeKind::AlterTable { actions } => {
                let ObjectRef::Table { name } = object else { return Vec::new() };
                actions
                    .iter()
                    .flat_map(|a| match self.online_action(name, a) {
                        Some(parts) => parts.into_iter().map(part).collect::<Vec<_>>(),
                        None => self.table_action(name, a).into_iter().map(|(sql, proof)| Step { proof, ..step(sql) }).collect(),
                    })
                    .collect()
            }
            ChangeKind::AlterSequence { to } => {
                sequence_alter(self.source, to).into_iter().map(|(sql, proof)| Step { proof, ..step(sql) }).collect()
            }
            ChangeKind::AddEnumLabel { label, before, after } => {
                let ObjectRef::Type { name } = object else { return Vec::new() };
                let position = match (before, after) {
                    (Some(b), _) => format!(" BEFORE {}", literal(b)),
                    (None, Some(a)) => format!(" AFTER {}", literal(a)),
                    (None, None) => String::new(),
                };
                let sql = format!("ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{position}", name.sql(), literal(label));
                vec![Step { transactional: false, ..step(sql) }]
            }
            ChangeKind::RenameEnumLabel { from, to } => {
                let ObjectRef::Type { name } = object else { return Vec::new() };
                let sql = format!("ALTER TYPE {} RENAME VALUE {} TO {}", name.sql(), literal(from), literal(to));
                vec![step(self.when(&label_query(name, from), true, sql))]
            }
            ChangeKind::SwapEnum { labels, removed, columns } => {
                let ObjectRef::Type { name } = object else { return Vec::new() };
                enum_swap(name, labels, removed, columns).into_iter().map(|(sql, proof)| Step { proof, ..step(sql) }).collect()
            }
            ChangeKind::AlterDomain { default, not_null } => {
                let ObjectRef::Type { name } = object else { return Vec::new() };
                let d = match default {
                    Some(d) => format!("ALTER DOMAIN {} SET DEFAULT {d}", name.sql()),
                    None => format!("ALTER DOMAIN {} DROP DEFAULT", name.sql()),
                };
                let n = format!("ALTER DOMAIN {} {} NOT NULL", name.sql(), if *not_null { "SET" } else { "DROP" });
                vec![step(d), step(n)]
            }
            ChangeKind::TriggerState { enabled } => {
                let ObjectRef::Trigger { table, name } = object else { return Vec::new() };
                let state = match enabled {
                    'D' => "DISABLE TRIGGER",
                    'R' => "ENABLE REPLICA TRIGGER",
                    'A' => "ENABLE ALWAYS TRIGGER",
                    _ => "ENABLE TRIGGER",
                };
                vec![step(format!("ALTER TABLE {} {state} {}", table.sql(), ident(name)))]
            }
            ChangeKind::DetachPartition { parent } => {
                let ObjectRef::Table { name } = object else { return Vec::new() };
                let sql = format!("ALTER TABLE {} DETACH PARTITION {}", parent.sql(), name.sql());
                vec![step(self.when(&partition_query(name, parent), true, sql))]
            }
            ChangeKind::SetAside { to } => {
                let ObjectRef::Table { name } = object else { return Vec::new() };
                vec![step(format!("ALTER TABLE {} RENAME TO {}", name.sql(), ident(&to.name)))]
            }
            ChangeKind::FillFrom { from, columns } => {
                let ObjectRef::Table { name } = object else { return Vec::new() };
                let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
                let cols = cols.join(", ");
                let mut out = Vec::new();
                if !columns.is_empty() {
                    out.push(step(format!("INSERT INTO {} ({cols}) SELECT {cols} FROM {}", name.sql(), from.sql())));
                }
                // A sequence the new table's columns own still belongs to the old table, which
                // would take it along.
                for seq in self.target.sequences.values() {
                    if let Some((table, column)) = seq.owned_by.as_ref().filter(|(t, _)| t == name) {
                        out.push(step(format!("ALTER SEQUENCE {} OWNED BY {}.{}", seq.name.sql(), table.sql(), ident(column))));
                    }
                }
                out.push(step(format!("DROP TABLE {}", from.sql())));
                out
            }
            ChangeKind::AttachIndexes { partitions } => {
                let ObjectRef::Index { name } = object else { return Vec::new() };
                partitions.iter().map(|p| step(format!("ALTER INDEX {} ATTACH PARTITION {}", name.sql(), p.sql()))).collect()
            }
            ChangeKind::Comment { comment } => comment_target(self.target, object)
                .map(|(what, target)| step(format!("COMMENT ON {what} {target} IS {}", comment_literal(comment))))
                .into_iter()
                .collect(),
            // A downgrade has no script: shown as not planned, nothing to run.
            ChangeKind::UpdateExtension { .. } if crate::unsupported(change) => Vec::new(),
            ChangeKind::UpdateExtension { to, .. } => {
                let ObjectRef::Extension { name } = object else { return Vec::new() };
                vec![step(format!("ALTER EXTENSION {} UPDATE TO {}", ident(name), literal(to)))]
            }
            ChangeKind::Grant { grantee, privileges, with_grant_option } => privilege_target(self.target, object)
                .map(|on| {
                    let option = if *with_grant_option { " WITH GRANT OPTION" } else { "" };
                    step(format!("GRANT {} ON {on} TO {}{option}", privileges.join(", "), role(grantee)))
                })
                .into_iter()
                .collect(),
            ChangeKind::Revoke { grantee, privileges, grant_option_only } => privilege_target(self.target, object)
                .map(|on| {
                    let option = if *grant_option_only { "GRANT OPTION FOR " } else { "" };
                    step(format!("REVOKE {option}{} ON {on} FROM {}", privileges.join(", "), role(grantee)))
                })
                .into_iter()
                .collect(),
        };
        if let Some(first) = steps.first_mut() {
            first.hazards.extend(change.hazards.iter().cloned());
        } else if !change.hazards.is_empty() {
            // A change with nothing to run still shows what it could not do.
            steps.push(Step {
                sql: "SELECT 1 /* nothing to run; see the hazard above */".to_owned(),
                transactional: true,
                touches: vec![object.clone()],
                hazards: change.hazards.clone(),
                proof: None,
            });
        }
        steps
    }

    /// Statements (with their proof queries) of one table action.
    fn table_action(&self, table: &QualName, action: &TableAction) -> Vec<(String, Option<String>)> {
        let t = table.sql();
        let alter = |rest: String| (format!("ALTER TABLE {t} {rest}"), None);
        // The idempotent forms of ALTER TABLE's column and constraint clauses.
        let (if_exists, if_not_exists) = (self.if_exists(), if self.render.idempotent { "IF NOT EXISTS " } else { "" });
        let add_column = |column: &Column| alter(format!("ADD COLUMN {if_not_exists}{}", column_sql(column)));
        let drop_column = |name: &str| alter(format!("DROP COLUMN {if_exists}{}", ident(name)));
        match action {
            TableAction::DropCheck { name } => vec![alter(format!("DROP CONSTRAINT {if_exists}{}", ident(name)))],
            TableAction::DropColumn { name } => vec![drop_column(name)],
            TableAction::RenameColumn { from, to } => {
                let sql = format!("ALTER TABLE {t} RENAME COLUMN {} TO {}", ident(from), ident(to));
                vec![(self.when(&column_query(table, from, false), true, sql), None)]
            }
            TableAction::AddColumn { column } => {
                let backfill = self.options.backfills.get(&(table.clone(), column.name.to_string()));
                match backfill {
                    Some(expr) if needs_backfill(column) => {
                        let col = ident(&column.name);
                        let nullable = Column { not_null: false, ..(**column).clone() };
                        vec![
                            add_column(&nullable),
                            (format!("UPDATE {t} SET {col} = {expr} WHERE {col} IS NULL"), None),
                            (format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"), Some(proof::not_null(table, &column.name))),
                        ]
                    }
                    _ => vec![add_column(column)],
                }
            }
            TableAction::AlterColumnType { column, from_type } => {
                let col = ident(&column.name);
                let collate = column.collation.as_ref().map(|c| format!(" COLLATE {}", c.sql())).unwrap_or_default();
                let using = using_cast(&col, from_type, &column.data_type, self.source, self.target);
                let sql = format!("ALTER TABLE {t} ALTER COLUMN {col} TYPE {}{collate} USING {using}", column.data_type);
                vec![(sql, proof::narrowing(table, &column.name, from_type, &column.data_type))]
            }
            TableAction::SetDefault { column, default } => {
                let col = ident(column);
                vec![match default {
                    Some(d) => alter(format!("ALTER COLUMN {col} SET DEFAULT {d}")),
                    None => alter(format!("ALTER COLUMN {col} DROP DEFAULT")),
                }]
            }
            TableAction::SetNotNull { column, not_null } => {
                let col = ident(column);
                if *not_null {
                    let set = (format!("ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL"), Some(proof::not_null(table, column)));
                    // `--backfill` on an existing column fills the rows that hold NULL first.
                    match self.options.backfills.get(&(table.clone(), column.clone())) {
                        Some(expr) => vec![(format!("UPDATE {t} SET {col} = {expr} WHERE {col} IS NULL"), None), set],
                        None => vec![set],
                    }
                } else {
                    vec![alter(format!("ALTER COLUMN {col} DROP NOT NULL"))]
                }
            }
            TableAction::SetIdentity { column, was_identity } => {
                let col = ident(&column.name);
                match (&column.identity, was_identity) {
                    (None, _) => vec![alter(format!("ALTER COLUMN {col} DROP IDENTITY{}", if self.render.idempotent { " IF EXISTS" } else { "" }))],
                    (Some(id), false) => {
                        let sql = format!(
                            "ALTER TABLE {t} ALTER COLUMN {col} ADD GENERATED {} AS IDENTITY (SEQUENCE NAME {} {})",
                            if id.always { "ALWAYS" } else { "BY DEFAULT" },
                            id.sequence.sql(),
                            sequence_options(&id.options)
                        );
                        vec![(self.when(&column_query(table, &column.name, true), false, sql), None)]
                    }
                    (Some(id), true) => {
                        let o = &id.options;
                        vec![alter(format!(
                            "ALTER COLUMN {col} SET GENERATED {} SET START WITH {} SET INCREMENT BY {} \
                             SET MINVALUE {} SET MAXVALUE {} SET CACHE {} SET {}",
                            if id.always { "ALWAYS" } else { "BY DEFAULT" },
                            o.start,
                            o.increment,
                            o.min_value,
                            o.max_value,
                            o.cache,
                            if o.cycle { "CYCLE" } else { "NO CYCLE" }
                        ))]
                    }
                }
            }
            TableAction::CreateOwnedSequence { sequence } => vec![(sequence_sql(sequence, &self.render), None)],
            TableAction::DropOwnedSequence { sequence } => {
                vec![(format!("DROP SEQUENCE {if_exists}{}", sequence.sql()), None)]
            }
            TableAction::RegenerateColumn { column } => vec![drop_column(&column.name), add_column(column)],
            TableAction::AddCheck { constraint } => {
                let sql = format!("ALTER TABLE {t} ADD CONSTRAINT {} {}", ident(&constraint.name), constraint.definition);
                let object = ObjectRef::Constraint { table: table.clone(), name: constraint.name.as_str().into() };
                vec![(self.when(&exists_query(&object), false, sql), proof::constraint(table, constraint))]
            }
            TableAction::SetRowSecurity { enabled } => {
                vec![alter(format!("{} ROW LEVEL SECURITY", if *enabled { "ENABLE" } else { "DISABLE" }))]
            }
            TableAction::SetForceRowSecurity { forced } => {
                vec![alter(format!("{} ROW LEVEL SECURITY", if *forced { "FORCE" } else { "NO FORCE" }))]
            }
            TableAction::SetOptions { set, reset } => {
                let mut out = Vec::new();
                if !set.is_empty() {
                    out.push(alter(format!("SET ({})", set.iter().map(|o| reloption(o)).collect::<Vec<_>>().join(", "))));
                }
                if !reset.is_empty() {
                    out.push(alter(format!("RESET ({})", reset.iter().map(|o| ident(o)).collect::<Vec<_>>().join(", "))));
                }
                out
            }
            TableAction::SetLogged { unlogged } => {
                vec![alter((if *unlogged { "SET UNLOGGED" } else { "SET LOGGED" }).to_owned())]
            }
            TableAction::Comment { comment } => {
                vec![(format!("COMMENT ON TABLE {t} IS {}", comment_literal(comment)), None)]
            }
            TableAction::AttachPartition { parent, bound, key } => {
                let sql = format!("ALTER TABLE {} ATTACH PARTITION {t} {bound}", parent.sql());
                vec![(self.when(&partition_query(table, parent), false, sql), proof::partition_bound(table, key, bound))]
            }
            TableAction::ColumnComment { column, comment } => {
                vec![(format!("COMMENT ON COLUMN {t}.{} IS {}", ident(column), comment_literal(comment)), None)]
            }
            TableAction::SetReplicaIdentity { identity } => vec![(replica_identity_sql(table, identity), None)],
        }
    }
}

impl Context<'_> {
    /// The table of an index or constraint `object` (or the table itself), when the plan is
    /// online and that table takes the online forms ([`online::applies`]) in both catalogs.
    fn online_table<'o>(&'o self, object: &'o ObjectRef) -> Option<&'o QualName> {
        if !self.options.online || self.render.idempotent {
            return None;
        }
        let table = match object {
            ObjectRef::Table { name } => name,
            ObjectRef::Constraint { table, .. } => table,
            ObjectRef::Index { name } => &self.source.indexes.get(name).or_else(|| self.target.indexes.get(name))?.table,
            _ => return None,
        };
        (online::applies(self.source, table) && online::applies(self.target, table)).then_some(table)
    }

    /// The online form of a created index or constraint on a table with rows.
    fn online_create(&self, object: &ObjectRef) -> Option<Vec<Part>> {
        let table = self.online_table(object)?;
        let sql = self.create.get(object)?;
        let (first, rest) = sql.split_first()?;
        let mut parts = match object {
            ObjectRef::Index { .. } => {
                vec![Part { sql: online::create_index(first)?, proof: None, transactional: false }]
            }
            ObjectRef::Constraint { name, .. } => {
                let c = self.target.tables.get(table)?.constraints.get(name.as_str())?;
                online::add_constraint(table, c, proof::constraint(table, c))?
            }
            _ => return None,
        };
        // Comments on it, in a transaction after it.
        parts.extend(rest.iter().map(|s| Part { sql: s.clone(), proof: None, transactional: true }));
        Some(parts)
    }

    /// The online form of a table action on a table with rows.
    fn online_action(&self, table: &QualName, action: &TableAction) -> Option<Vec<Part>> {
        self.online_table(&ObjectRef::Table { name: table.clone() })?;
        let backfill = |column: &str| self.options.backfills.get(&(table.clone(), column.to_owned())).map(String::as_str);
        match action {
            TableAction::AddCheck { constraint } => online::add_constraint(table, constraint, proof::constraint(table, constraint)),
            TableAction::SetNotNull { column, not_null: true } => {
                Some(online::set_not_null(self.source, table, column, backfill(column), proof::not_null(table, column)))
            }
            TableAction::AddColumn { column } if needs_backfill(column) => {
                let expr = backfill(&column.name)?;
                let nullable = Column { not_null: false, ..(**column).clone() };
                let add = format!("ALTER TABLE {} ADD COLUMN {}", table.sql(), column_sql(&nullable));
                Some(online::add_not_null_column(self.source, table, add, column, expr, proof::not_null(table, &column.name)))
            }
            _ => None,
        }
    }

    /// `IF EXISTS ` in an idempotent plan.
    fn if_exists(&self) -> &'static str {
        if self.render.idempotent { "IF EXISTS " } else { "" }
    }

    /// `sql`, which has no idempotent form: in an idempotent plan, run only when `query`
    /// returns a row (`when_found`) or none.
    fn when(&self, query: &str, when_found: bool, sql: String) -> String {
        if self.render.idempotent { guarded(query, when_found, &[sql]) } else { sql }
    }
}

/// A grantee as SQL: `PUBLIC`, or the role's quoted name.
fn role(grantee: &str) -> String {
    if grantee == "public" { "PUBLIC".to_owned() } else { ident(grantee) }
}

/// What follows `GRANT … ON` for `object` in `catalog`.
fn privilege_target(catalog: &Catalog, object: &ObjectRef) -> Option<String> {
    Some(match object {
        ObjectRef::Schema { name } => format!("SCHEMA {}", ident(name)),
        ObjectRef::Table { name } | ObjectRef::View { name } => format!("TABLE {}", name.sql()),
        ObjectRef::Sequence { name } => format!("SEQUENCE {}", name.sql()),
        ObjectRef::Type { name } => format!("TYPE {}", name.sql()),
        ObjectRef::Function { key } => match catalog.functions.get(key)?.kind {
            RoutineKind::Procedure => format!("PROCEDURE {}", key.sql()),
            _ => format!("FUNCTION {}", key.sql()),
        },
        _ => return None,
    })
}

fn comment_literal(comment: &Option<String>) -> String {
    comment.as_deref().map(literal).unwrap_or_else(|| "NULL".to_owned())
}

/// The statements (with proofs) that bring a sequence to `to`. A raised MINVALUE first moves a
/// current value below it up to it (ALTER SEQUENCE refuses a current value out of range, and
/// no value below the minimum may be handed out anyway); a lowered MAXVALUE is data-dependent.
fn sequence_alter(source: &Catalog, to: &Sequence) -> Vec<(String, Option<String>)> {
    let name = to.name.sql();
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let from = source.sequences.get(&to.name);
    if let Some(f) = from.filter(|f| f.options != to.options) {
        let (min, max) = (to.options.min_value, to.options.max_value);
        if min > f.options.min_value && min <= f.options.max_value {
            out.push((
                format!(
                    "SELECT pg_catalog.setval({}, GREATEST(last_value, {min}), is_called AND last_value >= {min}) FROM {name}",
                    literal(&name)
                ),
                None,
            ));
        }
        let proof = (max < f.options.max_value).then(|| format!("SELECT count(*) FROM {name} WHERE last_value > {max}"));
        out.push((format!("ALTER SEQUENCE {name} AS {} {}", to.options.data_type, sequence_options(&to.options)), proof));
    }
    if from.is_some_and(|f| f.unlogged != to.unlogged) {
        out.push((format!("ALTER SEQUENCE {name} SET {}", if to.unlogged { "UNLOGGED" } else { "LOGGED" }), None));
    }
    // A new sequence is created with its options; only the owner is left to set.
    if from.is_none_or(|f| f.owned_by != to.owned_by) {
        let owner = match &to.owned_by {
            Some((t, c)) => format!("{}.{}", t.sql(), ident(c)),
            None => "NONE".to_owned(),
        };
        out.push((format!("ALTER SEQUENCE {name} OWNED BY {owner}"), None));
    }
    out
}

/// The type swap: a new type with the target labels, every column re-typed through text, the
/// old type dropped and the new one renamed into its place; defaults set again.
fn enum_swap(name: &QualName, labels: &[String], removed: &[String], columns: &[EnumColumn]) -> Vec<(String, Option<String>)> {
    // The temporary name fits in 63 bytes whatever the original length.
    let mut base: String = name.name.to_string();
    while base.len() > 50 {
        base.pop();
    }
    let temp = QualName::new(name.schema.clone(), format!("{base}__pgshift_new"));
    let list: Vec<String> = labels.iter().map(|l| literal(l)).collect();
    let check_columns: Vec<(QualName, String, bool)> =
        columns.iter().map(|c| (c.table.clone(), c.column.clone(), c.array)).collect();
    let mut out = vec![(
        format!("CREATE TYPE {} AS ENUM ({})", temp.sql(), list.join(", ")),
        proof::removed_labels(&check_columns, removed),
    )];
    for c in columns {
        let col = ident(&c.column);
        let t = c.table.sql();
        if c.had_default {
            out.push((format!("ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT"), None));
        }
        let (ty, via) = if c.array { (format!("{}[]", temp.sql()), "text[]") } else { (temp.sql(), "text") };
        out.push((format!("ALTER TABLE {t} ALTER COLUMN {col} TYPE {ty} USING {col}::{via}::{ty}"), None));
    }
    out.push((format!("DROP TYPE {}", name.sql()), None));
    out.push((format!("ALTER TYPE {} RENAME TO {}", temp.sql(), ident(&name.name)), None));
    for c in columns {
        if let Some(d) = &c.default {
            out.push((
                format!("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {d}", c.table.sql(), ident(&c.column)),
                None,
            ));
        }
    }
    out
}

