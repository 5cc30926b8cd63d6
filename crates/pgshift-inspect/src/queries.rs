//! The catalog queries, one per object kind, each set-based over the whole database.
//!
//! They run with `search_path` empty, so every name PostgreSQL deparses (defaults, checks,
//! index and view definitions, types) comes out schema-qualified. System schemas and objects
//! that belong to an extension (`pg_depend.deptype = 'e'`) are left out here; the object
//! filter is applied afterwards, in Rust. Columns that only exist on newer servers are
//! guarded by the server version (see [`Version`]).

/// The server's `server_version_num`, for version-specific catalog columns.
#[derive(Clone, Copy, Debug)]
pub struct Version(pub i32);

impl Version {
    /// PostgreSQL 15 or later (NULLS NOT DISTINCT, unlogged sequences).
    pub fn at_least_15(self) -> bool {
        self.0 >= 150000
    }
}

/// Namespace filter shared by every query: no system schema.
macro_rules! user_ns {
    ($alias:literal) => {
        concat!(
            $alias, ".nspname NOT IN ('pg_catalog', 'information_schema') AND ",
            $alias, ".nspname NOT LIKE 'pg\\_toast%' AND ",
            $alias, ".nspname NOT LIKE 'pg\\_temp\\_%'"
        )
    };
}

/// Not a member of an extension.
macro_rules! not_ext {
    ($catalog:literal, $oid:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = '",
            $catalog,
            "'::regclass AND e.objid = ",
            $oid,
            " AND e.deptype = 'e')"
        )
    };
}

/// User schemas.
pub const SCHEMAS: &str = concat!(
    "SELECT n.oid, n.nspname::text, ds.description ",
    "FROM pg_catalog.pg_namespace n ",
    "LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = n.oid ",
    "  AND ds.classoid = 'pg_catalog.pg_namespace'::regclass AND ds.objsubid = 0 WHERE ",
    user_ns!("n"),
    " AND ",
    not_ext!("pg_catalog.pg_namespace", "n.oid")
);

/// Installed extensions except the built-in plpgsql.
pub const EXTENSIONS: &str = "SELECT e.extname::text, n.nspname::text, e.extversion, \
     ds.description \
     FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace \
     LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = e.oid \
       AND ds.classoid = 'pg_catalog.pg_extension'::regclass AND ds.objsubid = 0 \
     WHERE e.extname <> 'plpgsql'";

/// Enum, domain and composite types.
pub const TYPES: &str = concat!(
    "SELECT t.oid, n.nspname::text, t.typname::text, t.typtype::text, ",
    "CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT l.enumlabel::text FROM pg_catalog.pg_enum l ",
    "  WHERE l.enumtypid = t.oid ORDER BY l.enumsortorder) END, ",
    "CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END, ",
    "t.typnotnull, pg_catalog.pg_get_expr(t.typdefaultbin, 0), ",
    "CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN cn.nspname::text END, ",
    "CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN co.collname::text END, ",
    "ds.description, t.typrelid ",
    "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace ",
    "LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype ",
    "LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation ",
    "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace ",
    "LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid ",
    "LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = t.oid ",
    "  AND ds.classoid = 'pg_catalog.pg_type'::regclass AND ds.objsubid = 0 ",
    "WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND tc.relkind = 'c')) AND ",
    user_ns!("n"),
    " AND ",
    not_ext!("pg_catalog.pg_type", "t.oid")
);

/// Tables, views, materialized views, sequences and composite types (every relation kind).
/// Flags and lists come as NULL in their usual state (permanent, no row security, no options,
/// no parents, default replica identity), as in [`COLUMNS`].
pub const RELATIONS: &str = concat!(
    "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, ",
    "NULLIF(c.relpersistence, 'p')::text, ",
    "NULLIF(c.relrowsecurity, false), NULLIF(c.relforcerowsecurity, false), c.reloptions, ",
    "CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, ",
    "CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, ",
    "ih.parents, ",
    "CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END, ",
    "ds.description, NULLIF(c.reltype, 0), CASE WHEN c.relkind IN ('v', 'm') THEN c.relispopulated END, ",
    "NULLIF(c.relreplident, 'd')::text, ",
    // The replica identity index of the few tables that have one.
    "CASE WHEN c.relreplident = 'i' THEN (SELECT ri.relname::text FROM pg_catalog.pg_index i ",
    "  JOIN pg_catalog.pg_class ri ON ri.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident) END ",
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ",
    // Parents in one pass over pg_inherits (a subquery per relation cost 7 ms at 5,000 tables).
    "LEFT JOIN (SELECT i.inhrelid, pg_catalog.array_agg(i.inhparent ORDER BY i.inhseqno) ",
    "  FROM pg_catalog.pg_inherits i GROUP BY i.inhrelid) ih(rel, parents) ON ih.rel = c.oid ",
    "LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = c.oid ",
    "  AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = 0 ",
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c', 'f') AND ",
    user_ns!("n")
);

/// Columns of every relation, in no particular order (the builder puts them in attnum order:
/// an `ORDER BY` here sorted 62,000 wide rows, ~30 ms of the server's time at 5,000 tables).
/// What index definitions need of a column's type comes from [`TYPE_FACTS`], once per type
/// (here, four values per column were ~15% of this query's time at 5,000 tables), and
/// defaults and comments from [`COLUMN_DETAILS`] (joined here, they were a third of it).
/// The flags come as NULL in their usual state (nullable, not identity, not generated, local):
/// a NULL costs the server less to send than a value, on every one of 62,000 rows.
pub const COLUMNS: &str = concat!(
    "SELECT a.attrelid, a.attnum, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), ",
    "NULLIF(a.attnotnull, false), NULLIF(a.attidentity, ''), NULLIF(a.attgenerated, ''), ",
    "NULLIF(a.attislocal, true), ",
    // The collation only where it is not the type's (`co` is joined only there).
    "cn.nspname::text, co.collname::text, co.oid, a.atttypid ",
    "FROM pg_catalog.pg_attribute a ",
    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid ",
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ",
    "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid ",
    "LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation ",
    "LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace ",
    "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f') AND ",
    user_ns!("n")
);

/// Column defaults (and generation expressions) and column comments, as (relation, attnum,
/// expression, comment): what the builder adds to the columns of [`COLUMNS`] it knows; the
/// others (system relations, composite types' attributes) are passed over. An expression
/// without a column reference (every default) is deparsed without the relation's context
/// (relid 0), which PostgreSQL builds per call (~20% of the columns' time at 5,000 tables);
/// only a generation expression can hold one, and needs it.
pub const COLUMN_DETAILS: &str = "SELECT ad.adrelid, ad.adnum, pg_catalog.pg_get_expr(ad.adbin, \
       CASE WHEN pg_catalog.strpos(ad.adbin::text, '{VAR ') > 0 THEN ad.adrelid ELSE 0 END), NULL::text \
     FROM pg_catalog.pg_attrdef ad \
     UNION ALL SELECT ds.objoid, ds.objsubid::int2, NULL, ds.description FROM pg_catalog.pg_description ds \
     WHERE ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid > 0";

/// What index definitions need of every type a column may have (`crate::index_def`): its
/// collation, and of its base type (a domain's, or itself) what `GetDefaultOpClass` asks:
/// OID, `typtype`, `typcategory` and whether it is a true array. Every type, a few
/// thousand rows: cheaper than the same four values on each column's row.
pub const TYPE_FACTS: &str = "SELECT t.oid, t.typcollation, coalesce(bt.oid, t.oid), \
     coalesce(bt.typtype, t.typtype)::text, coalesce(bt.typcategory, t.typcategory)::text, \
     coalesce(bt.typelem <> 0 AND bt.typlen = -1, t.typelem <> 0 AND t.typlen = -1) \
     FROM pg_catalog.pg_type t \
     LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype";

/// Sequences with their options and owning column (`a`: OWNED BY, `i`: identity).
pub const SEQUENCES: &str = concat!(
    "SELECT c.oid, n.nspname::text, c.relname::text, pg_catalog.format_type(s.seqtypid, NULL), ",
    "s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, ",
    "c.relpersistence::text, d.refobjid, d.refobjsubid, d.deptype::text ",
    "FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid ",
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ",
    "LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass ",
    "  AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass ",
    "  AND d.deptype IN ('a', 'i') ",
    "WHERE ",
    user_ns!("n")
);

/// Table and domain constraints (not the clones on partitions). Key columns come as attnums,
/// named from the columns query: no per-row subquery. Only exclusion constraints go through
/// `pg_get_constraintdef`; the definition of the others is assembled in Rust from these
/// columns (`crate::build`), byte for byte as `pg_get_constraintdef` prints it.
/// `{nnd}` is replaced by the NULLS NOT DISTINCT expression for this server version, `{delset}`
/// by the `ON DELETE SET NULL (columns)` list.
///
/// A value that only one kind of constraint has is sent for that kind only (NULL for the
/// others), and the flags as NULL in their usual state (not deferrable, validated): sending
/// a value costs the server more than a NULL, and most constraints are not foreign keys.
pub const CONSTRAINTS: &str = "SELECT co.oid, co.conrelid, NULLIF(co.contypid, 0), co.conname::text, \
     co.contype::text, \
     CASE WHEN co.contype = 'x' THEN pg_catalog.pg_get_constraintdef(co.oid) END, \
     NULLIF(co.condeferrable, false), \
     NULLIF(co.condeferred, false), NULLIF(co.convalidated, true), \
     CASE WHEN co.contype = 'c' THEN co.connoinherit END, \
     CASE WHEN co.contype <> 'c' THEN co.conkey END, \
     CASE WHEN co.contype = 'f' THEN co.confrelid END, co.confkey, \
     CASE WHEN co.contype = 'f' THEN co.confdeltype::text END, \
     CASE WHEN co.contype = 'f' THEN co.confupdtype::text END, \
     CASE WHEN co.contype = 'f' THEN co.confmatchtype::text END, \
     {checkexpr}, \
     ds.description, CASE WHEN co.contype IN ('p', 'u', 'x') THEN co.conindid END, \
     CASE WHEN co.contype = 'u' THEN {nnd} END, ix.indkey::int2[], ix.indnkeyatts, {delset} \
     FROM pg_catalog.pg_constraint co \
     LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = co.oid \
       AND ds.classoid = 'pg_catalog.pg_constraint'::regclass AND ds.objsubid = 0 \
     LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = co.conindid \
     WHERE co.contype IN ('p', 'u', 'c', 'f', 'x') AND co.conislocal AND co.conparentid = 0";

/// Indexes that do not back a constraint and are not partitions of another index. Key columns
/// come as attnums (named from the columns query); only an index with expressions goes
/// through `pg_get_indexdef`, once: its keys are read off that definition
/// (`crate::index_def::expression_keys`; a call per key deparsed every expression again, a
/// quarter of this query at 5,000 tables). The definition of every other index is assembled in Rust from `indclass`,
/// `indoption`, `indcollation` and `reloptions` (`crate::index_def`), which saves the server
/// ~12 µs per index; what Rust cannot decide for sure comes from [`INDEX_DEFINITIONS`].
/// Indexes of system schemas (the TOAST tables' among them) are left out.
/// `{nnd}` as in [`CONSTRAINTS`].
/// Flags and options come as NULL in their usual state (not unique, NULLS DISTINCT, no
/// storage options), as in [`COLUMNS`].
pub const INDEXES: &str = concat!(
    "SELECT i.indexrelid, ic.relname::text, i.indrelid, NULLIF(i.indisunique, false), am.amname::text, ",
    "CASE WHEN i.indexprs IS NOT NULL THEN pg_catalog.pg_get_indexdef(i.indexrelid) END, ",
    "i.indkey::int2[], i.indnkeyatts, ",
    "pg_catalog.pg_get_expr(i.indpred, i.indrelid), ",
    "ds.description, {nnd}, ",
    "i.indclass::oid[], i.indoption::int2[], i.indcollation::oid[], ic.reloptions ",
    "FROM pg_catalog.pg_index i ",
    "LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = i.indexrelid ",
    "  AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = 0 ",
    "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid ",
    "JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace ",
    "JOIN pg_catalog.pg_am am ON am.oid = ic.relam ",
    "WHERE NOT ic.relispartition AND ",
    user_ns!("n"),
    " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co ",
    "  WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid ",
    "  AND co.contype IN ('p', 'u', 'x'))"
);

/// The keys of the indexes on expressions (`$1`, `oid[]`) whose definition has a key Rust
/// cannot read off it for sure, each as `pg_get_indexdef` prints it in the definition:
/// usually none.
pub const INDEX_KEYS: &str = "SELECT i.indexrelid, ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, false) \
     FROM generate_series(1, i.indnkeyatts) k ORDER BY k) \
     FROM pg_catalog.pg_index i WHERE i.indexrelid = ANY($1::pg_catalog.oid[])";

/// The expressions of the checks (`$1`, `oid[]`) whose text an inspection deferred
/// (`crate::deferred`), printed as [`CONSTRAINTS`] prints them.
pub const CHECK_EXPRESSIONS: &str = "SELECT co.oid, pg_catalog.pg_get_expr(co.conbin, co.conrelid) \
     FROM pg_catalog.pg_constraint co WHERE co.oid = ANY($1::pg_catalog.oid[])";

/// `pg_get_indexdef` of the indexes (`$1`, `oid[]`) whose definition Rust cannot assemble
/// for sure (collations, opclass options, unusual types): usually none.
pub const INDEX_DEFINITIONS: &str = "SELECT i.oid, pg_catalog.pg_get_indexdef(i.oid) \
     FROM unnest($1::pg_catalog.oid[]) i(oid)";

/// Operator classes, with what `GetDefaultOpClass` needs to tell whether an index key's
/// opclass is the default for the column's type (then `pg_get_indexdef` omits it): its input
/// type's category and preference, and the types binary-coercible to it implicitly.
/// `options` says whether the opclass may take parameters (`opclass (siglen=…)`): only the
/// btree and hash support numbers are known here; other methods count as "may".
pub const OPCLASSES: &str = "SELECT oc.oid, oc.opcmethod, oc.opcintype, oc.opcdefault, \
     pg_catalog.pg_opclass_is_visible(oc.oid), n.nspname::text, oc.opcname::text, \
     t.typcategory::text, t.typispreferred, \
     ARRAY(SELECT c.castsource FROM pg_catalog.pg_cast c WHERE c.casttarget = oc.opcintype \
       AND c.castmethod = 'b' AND c.castcontext = 'i'), \
     am.amname NOT IN ('btree', 'hash') OR EXISTS (SELECT 1 FROM pg_catalog.pg_amproc p \
       WHERE p.amprocfamily = oc.opcfamily \
       AND p.amprocnum = CASE am.amname WHEN 'btree' THEN 5 ELSE 3 END) \
     FROM pg_catalog.pg_opclass oc \
     JOIN pg_catalog.pg_namespace n ON n.oid = oc.opcnamespace \
     JOIN pg_catalog.pg_type t ON t.oid = oc.opcintype \
     JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod \
     ORDER BY oc.opcmethod, oc.opcname, oc.opcnamespace";

/// Functions and procedures with their definitions.
pub const FUNCTIONS: &str = concat!(
    "SELECT p.oid, n.nspname::text, p.proname::text, ",
    "pg_catalog.pg_get_function_identity_arguments(p.oid), p.prokind::text, ",
    "CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END, ",
    "l.lanname::text, ",
    "CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_catalog.pg_get_functiondef(p.oid) END, ",
    "ds.description ",
    "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace ",
    "LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = p.oid ",
    "  AND ds.classoid = 'pg_catalog.pg_proc'::regclass AND ds.objsubid = 0 ",
    "JOIN pg_catalog.pg_language l ON l.oid = p.prolang WHERE ",
    user_ns!("n"),
    " AND ",
    not_ext!("pg_catalog.pg_proc", "p.oid")
);

/// Collations created by `CREATE COLLATION` (not an extension's). `{locale}`, `{collate}` and
/// `{ctype}` are replaced by this server version's columns (see [`collations`]).
pub const COLLATIONS: &str = concat!(
    "SELECT o.oid, n.nspname::text, o.collname::text, o.collprovider::text, {locale}, {collate}, {ctype}, ",
    "o.collisdeterministic, ds.description ",
    "FROM pg_catalog.pg_collation o JOIN pg_catalog.pg_namespace n ON n.oid = o.collnamespace ",
    "LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = o.oid ",
    "  AND ds.classoid = 'pg_catalog.pg_collation'::regclass AND ds.objsubid = 0 WHERE ",
    user_ns!("n"),
    " AND ",
    not_ext!("pg_catalog.pg_collation", "o.oid")
);

/// Privileges granted on relations, routines, types and schemas: every item of each object's
/// ACL (its built-in default when it has none, as `acldefault` gives it) except the owner's
/// own, as (catalog, OID, grantee or `public`, privilege, grantable). User objects only
/// (OIDs ≥ 16384; schemas by name, the `public` schema among them). A relation without an ACL
/// is left out (its default grants its owner alone), and so are the row types of tables and
/// views, which the model has no privileges for: 5,000 of 5,011 rows at 5,000 tables.
pub const PRIVILEGES: &str = concat!(
    "SELECT x.classid, x.oid, ",
    "CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END, ",
    "a.privilege_type, a.is_grantable ",
    "FROM (SELECT 1259::oid, c.oid, c.relowner, c.relacl ",
    "  FROM pg_catalog.pg_class c WHERE c.relacl IS NOT NULL AND c.oid >= 16384 ",
    "  AND c.relkind IN ('r', 'p', 'v', 'm', 'S') ",
    "  UNION ALL SELECT 1255::oid, p.oid, p.proowner, coalesce(p.proacl, pg_catalog.acldefault('f'::pg_catalog.\"char\", p.proowner)) ",
    "  FROM pg_catalog.pg_proc p WHERE p.oid >= 16384 ",
    "  UNION ALL SELECT 1247::oid, t.oid, t.typowner, coalesce(t.typacl, pg_catalog.acldefault('T'::pg_catalog.\"char\", t.typowner)) ",
    "  FROM pg_catalog.pg_type t WHERE t.oid >= 16384 AND (t.typtype IN ('e', 'd') OR t.typtype = 'c' ",
    "    AND EXISTS (SELECT 1 FROM pg_catalog.pg_class tc WHERE tc.oid = t.typrelid AND tc.relkind = 'c')) ",
    "  UNION ALL SELECT 2615::oid, n.oid, n.nspowner, coalesce(n.nspacl, pg_catalog.acldefault('n'::pg_catalog.\"char\", n.nspowner)) ",
    "  FROM pg_catalog.pg_namespace n WHERE ",
    user_ns!("n"),
    ") x(classid, oid, owner, acl), LATERAL pg_catalog.aclexplode(x.acl) a ",
    "WHERE a.grantee <> x.owner"
);

/// User triggers (not internal ones, not clones on partitions).
pub const TRIGGERS: &str = "SELECT t.oid, t.tgrelid, t.tgname::text, \
     pg_catalog.pg_get_triggerdef(t.oid), t.tgenabled::text, \
     ds.description \
     FROM pg_catalog.pg_trigger t \
     LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = t.oid \
       AND ds.classoid = 'pg_catalog.pg_trigger'::regclass AND ds.objsubid = 0 \
     WHERE NOT t.tgisinternal AND t.tgparentid = 0";

/// Row-level security policies.
pub const POLICIES: &str = "SELECT p.oid, p.polrelid, p.polname::text, p.polpermissive, \
     p.polcmd::text, \
     ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r)::text END \
       FROM unnest(p.polroles) r ORDER BY 1), \
     pg_catalog.pg_get_expr(p.polqual, p.polrelid), \
     pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), \
     ds.description \
     FROM pg_catalog.pg_policy p \
     LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = p.oid \
       AND ds.classoid = 'pg_catalog.pg_policy'::regclass AND ds.objsubid = 0";

/// Types and functions that belong to an extension, with the extension's name: a column of
/// type `citext` or a default calling `uuid_generate_v4()` depends on that extension.
/// Its relations (tables, sequences, views) come too: the builder leaves them out of
/// [`RELATIONS`] (an anti-join there scanned all of `pg_depend`, a third of that query).
pub const EXTENSION_MEMBERS: &str = "SELECT d.classid, d.objid, e.extname::text \
     FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid \
     WHERE d.deptype = 'e' AND d.refclassid = 'pg_catalog.pg_extension'::regclass \
       AND d.classid IN ('pg_catalog.pg_type'::regclass, 'pg_catalog.pg_proc'::regclass, \
         'pg_catalog.pg_class'::regclass)";

/// Dependencies between user objects (OIDs ≥ 16384). Column defaults and view rules are
/// folded onto their relation; array types onto their element type.
///
/// Left out: the automatic dependencies of a part on its own relation, which PostgreSQL
/// records for every one of them (a default and a constraint on their table's columns, or on
/// the table; an index and a sequence on the columns of their table): two thirds of the rows
/// at 5,000 tables, each default's with a lookup above. The builder records the ones the
/// model keeps (a constraint or an index stands on its relation) as it builds the part. An
/// automatic dependency on a whole table (a partition's on its parent) stays.
pub const DEPENDS: &str = "SELECT \
     CASE WHEN d.classid IN (2604, 2618) THEN 1259::oid ELSE d.classid END, \
     CASE d.classid \
       WHEN 2604 THEN (SELECT ad.adrelid FROM pg_catalog.pg_attrdef ad WHERE ad.oid = d.objid) \
       WHEN 2618 THEN (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid = d.objid) \
       ELSE d.objid END, \
     d.refclassid, \
     CASE WHEN d.refclassid = 1247 THEN (SELECT CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 \
       THEN t.typelem ELSE t.oid END FROM pg_catalog.pg_type t WHERE t.oid = d.refobjid) \
       ELSE d.refobjid END \
     FROM pg_catalog.pg_depend d \
     WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384 \
       AND d.classid IN (1259, 1247, 1255, 2604, 2606, 2618, 2620, 3256) \
       AND d.refclassid IN (1259, 1247, 1255, 2606, 3456) \
       AND NOT (d.deptype = 'a' AND (d.classid IN (2604, 2606) \
         OR (d.classid = 1259 AND d.refclassid = 1259 AND d.refobjsubid <> 0)))";

/// [`COLLATIONS`] for this server version: the ICU locale moved from `collcollate` to
/// `colliculocale` in 15 and to `colllocale` in 17.
pub fn collations(version: Version) -> String {
    let (locale, collate, ctype) = if version.0 >= 170000 {
        ("o.colllocale", "o.collcollate", "o.collctype")
    } else if version.at_least_15() {
        ("o.colliculocale", "o.collcollate", "o.collctype")
    } else {
        (
            "CASE WHEN o.collprovider = 'i' THEN o.collcollate END",
            "CASE WHEN o.collprovider <> 'i' THEN o.collcollate END",
            "CASE WHEN o.collprovider <> 'i' THEN o.collctype END",
        )
    };
    COLLATIONS.replace("{locale}", locale).replace("{collate}", collate).replace("{ctype}", ctype)
}

/// [`CONSTRAINTS`] for this server version. With `defer_checks`, a table check's expression
/// comes as its stored tree (`conbin::text`), not printed (see `crate::deferred`); a
/// domain's is printed either way (that costs no relation cache entry).
pub fn constraints(version: Version, defer_checks: bool) -> String {
    let expression = if defer_checks {
        "CASE WHEN co.conrelid = 0 THEN pg_catalog.pg_get_expr(co.conbin, 0) ELSE co.conbin::text END"
    } else {
        "pg_catalog.pg_get_expr(co.conbin, co.conrelid)"
    };
    CONSTRAINTS
        .replace("{checkexpr}", expression)
        .replace("{nnd}", &nulls_not_distinct(version, "ix"))
        .replace("{delset}", delete_set_columns(version))
}

/// [`INDEXES`] for this server version.
pub fn indexes(version: Version) -> String {
    let nnd = if version.at_least_15() { "NULLIF(i.indnullsnotdistinct, false)" } else { "NULL::bool" };
    INDEXES.replace("{nnd}", nnd)
}

/// The `ON DELETE SET NULL (columns)` list of a foreign key (`co.confdelsetcols`, PostgreSQL
/// 15+), or NULL before 15.
pub fn delete_set_columns(version: Version) -> &'static str {
    if version.at_least_15() {
        "co.confdelsetcols"
    } else {
        "NULL::pg_catalog.int2[]"
    }
}

/// The NULLS NOT DISTINCT column of `pg_index` (alias `ix` / `i`), or `false` before 15.
pub fn nulls_not_distinct(version: Version, alias: &str) -> String {
    if version.at_least_15() {
        format!("coalesce({alias}.indnullsnotdistinct, false)")
    } else {
        "false".to_owned()
    }
}

/// `SELECT kind, schema, name` of the user objects (not extension members) of one catalog.
macro_rules! unmodelled {
    ($kind:literal, $catalog:literal, $name:literal, $namespace:literal) => {
        concat!(
            "SELECT '", $kind, "', n.nspname::text, o.", $name, "::text FROM ", $catalog, " o ",
            "JOIN pg_catalog.pg_namespace n ON n.oid = o.", $namespace, " WHERE ", user_ns!("n"), " AND ",
            not_ext!($catalog, "o.oid")
        )
    };
}

/// User objects of kinds the model does not represent yet (kind, schema, name), so that a
/// diff can say what it leaves out instead of leaving it out silently: operators,
/// operator classes and families, text search configurations and dictionaries, conversions,
/// extended statistics, rules other than a view's `_RETURN`, and casts, event triggers and
/// publications (which live in no schema: reported with an empty schema).
pub const UNSUPPORTED: &str = concat!(
    unmodelled!("operator", "pg_catalog.pg_operator", "oprname", "oprnamespace"), " UNION ALL ",
    unmodelled!("operator class", "pg_catalog.pg_opclass", "opcname", "opcnamespace"), " UNION ALL ",
    unmodelled!("operator family", "pg_catalog.pg_opfamily", "opfname", "opfnamespace"), " UNION ALL ",
    unmodelled!("text search configuration", "pg_catalog.pg_ts_config", "cfgname", "cfgnamespace"), " UNION ALL ",
    unmodelled!("text search dictionary", "pg_catalog.pg_ts_dict", "dictname", "dictnamespace"), " UNION ALL ",
    unmodelled!("conversion", "pg_catalog.pg_conversion", "conname", "connamespace"), " UNION ALL ",
    unmodelled!("statistics object", "pg_catalog.pg_statistic_ext", "stxname", "stxnamespace"),
    " UNION ALL SELECT 'rule', n.nspname::text, c.relname::text || '.' || o.rulename::text FROM pg_catalog.pg_rewrite o ",
    "JOIN pg_catalog.pg_class c ON c.oid = o.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE o.rulename <> '_RETURN' AND ", user_ns!("n"), " AND ", not_ext!("pg_catalog.pg_rewrite", "o.oid"),
    " UNION ALL SELECT 'cast', '', format_type(o.castsource, NULL) || ' AS ' || format_type(o.casttarget, NULL) ",
    "FROM pg_catalog.pg_cast o WHERE o.oid >= 16384 AND ", not_ext!("pg_catalog.pg_cast", "o.oid"),
    " UNION ALL SELECT 'event trigger', '', o.evtname::text FROM pg_catalog.pg_event_trigger o WHERE ",
    not_ext!("pg_catalog.pg_event_trigger", "o.oid"),
    " UNION ALL SELECT 'publication', '', o.pubname::text FROM pg_catalog.pg_publication o ",
    "ORDER BY 1, 2, 3"
);
