//! Index definitions assembled in Rust, byte for byte as `pg_get_indexdef` prints them.
//!
//! `pg_get_indexdef` costs the server ~12 µs per index, most of an inspection's index query on
//! a large schema. For an index without expressions every piece of its definition is in
//! `pg_index` and `pg_class` (key and INCLUDE columns, opclasses, DESC / NULLS FIRST,
//! collations, NULLS NOT DISTINCT, storage options) plus the predicate from `pg_get_expr`, so
//! [`render`] assembles it here, following `pg_get_indexdef_worker` (ruleutils.c) step by step.
//! The one subtle piece is the opclass, which PostgreSQL omits when it is the default for the
//! column's type: [`Opclasses::is_default`] repeats `GetDefaultOpClass` (indexcmds.c) and its
//! `IsBinaryCoercible` (parse_coerce.c) over the rows of [`crate::queries::OPCLASSES`].
//!
//! Must not: guess. Whatever it cannot decide for sure (an expression, a collation other than
//! the column's, opclass parameters, a domain over a domain, a backslash in an option value)
//! returns `None`, and the caller asks the server (`crate::queries::INDEX_DEFINITIONS`).
//! Names are quoted only through `pgshift_catalog::quote`.

use rustc_hash::FxHashMap as HashMap;

use pgshift_catalog::{quote, QualName};
use tokio_postgres::Row;

/// `INDOPTION_DESC` and `INDOPTION_NULLS_FIRST` of `pg_index.indoption`.
const DESC: i16 = 1;
const NULLS_FIRST: i16 = 2;

/// Pseudo-type OIDs `IsBinaryCoercible` knows by heart (pg_type.dat).
const ANY: u32 = 2276;
const ANYELEMENT: u32 = 2283;
const ANYCOMPATIBLE: u32 = 5077;
const ANYARRAY: u32 = 2277;
const ANYCOMPATIBLEARRAY: u32 = 5078;
const ANYNONARRAY: u32 = 2776;
const ANYCOMPATIBLENONARRAY: u32 = 5079;
const ANYENUM: u32 = 3500;
const ANYRANGE: u32 = 3831;
const ANYCOMPATIBLERANGE: u32 = 5080;
const ANYMULTIRANGE: u32 = 4537;
const ANYCOMPATIBLEMULTIRANGE: u32 = 4538;
const RECORD: u32 = 2249;
const RECORDARRAY: u32 = 2287;

/// What an index definition needs to know of a table column.
pub struct Column<'a> {
    /// `attname`.
    pub name: &'a str,
    /// `attcollation`.
    pub collation: u32,
    /// The column's type, or a domain's base type.
    pub base: BaseType,
}

/// The type facts `GetDefaultOpClass` looks at.
#[derive(Clone, Copy, Debug)]
pub struct BaseType {
    /// Its OID.
    pub oid: u32,
    /// `typtype` (`d` here means a domain over a domain: not followed).
    pub typtype: u8,
    /// `typcategory`.
    pub category: u8,
    /// A true array type.
    pub is_array: bool,
}

/// The rows of [`crate::queries::TYPE_FACTS`]: each type's collation and base type, by OID.
#[derive(Default)]
pub struct TypeFacts {
    by_oid: HashMap<u32, (u32, BaseType)>,
}

impl TypeFacts {
    /// Add a row of [`crate::queries::TYPE_FACTS`].
    pub fn push(&mut self, r: &Row) {
        let base = BaseType {
            oid: r.get(2),
            typtype: r.get::<_, &str>(3).bytes().next().unwrap_or(0),
            category: r.get::<_, &str>(4).bytes().next().unwrap_or(0),
            is_array: r.get(5),
        };
        self.by_oid.insert(r.get(0), (r.get(1), base));
    }

    /// `typcollation` of type `oid`.
    pub fn collation(&self, oid: u32) -> Option<u32> {
        self.by_oid.get(&oid).map(|(collation, _)| *collation)
    }

    /// The base type of type `oid` (a domain's, or itself).
    pub fn base(&self, oid: u32) -> Option<BaseType> {
        self.by_oid.get(&oid).map(|(_, base)| *base)
    }
}

struct Opclass {
    oid: u32,
    method: u32,
    input: u32,
    default: bool,
    visible: bool,
    schema: String,
    name: String,
    input_category: u8,
    input_preferred: bool,
    /// Types binary-coercible to `input` in an implicit cast.
    coercible_from: Vec<u32>,
    may_have_options: bool,
}

/// The rows of [`crate::queries::OPCLASSES`], by OID and by access method.
#[derive(Default)]
pub struct Opclasses {
    by_oid: HashMap<u32, usize>,
    /// In `pg_opclass_am_name_nsp_index` order, as `GetDefaultOpClass` scans them.
    list: Vec<Opclass>,
}

impl Opclasses {
    /// Add a row of [`crate::queries::OPCLASSES`] (they come in `GetDefaultOpClass`'s order).
    pub fn push(&mut self, r: &Row) {
        let oid: u32 = r.get(0);
        self.by_oid.insert(oid, self.list.len());
        self.list.push(Opclass {
            oid,
            method: r.get(1),
            input: r.get(2),
            default: r.get(3),
            visible: r.get(4),
            schema: r.get(5),
            name: r.get(6),
            input_category: r.get::<_, &str>(7).bytes().next().unwrap_or(0),
            input_preferred: r.get(8),
            coercible_from: r.get(9),
            may_have_options: r.get(10),
        });
    }

    fn get(&self, oid: u32) -> Option<&Opclass> {
        self.by_oid.get(&oid).map(|&i| &self.list[i])
    }

    /// Whether `opclass` is what `GetDefaultOpClass(type, method)` returns for `base`; None
    /// when that cannot be told for sure.
    fn is_default(&self, opclass: &Opclass, base: &BaseType) -> Option<bool> {
        if !opclass.default {
            return Some(false);
        }
        if opclass.input == base.oid {
            // An exact match; a second one would be an error in PostgreSQL.
            return Some(true);
        }
        let (mut exact, mut compatible, mut preferred) = (0, 0, 0);
        let mut result = None;
        for o in self.list.iter().filter(|o| o.method == opclass.method && o.default) {
            if o.input == base.oid {
                exact += 1;
                result = Some(o.oid);
            } else if exact == 0 && binary_coercible(base, o)? {
                if o.input_category == base.category && o.input_preferred {
                    preferred += 1;
                    result = Some(o.oid);
                } else if preferred == 0 {
                    compatible += 1;
                    result = Some(o.oid);
                }
            }
        }
        if exact > 1 {
            return None;
        }
        let found = exact == 1 || preferred == 1 || (preferred == 0 && compatible == 1);
        Some(found && result == Some(opclass.oid))
    }
}

/// `IsBinaryCoercible(base, opclass input type)`; None for what is not modelled here.
fn binary_coercible(base: &BaseType, to: &Opclass) -> Option<bool> {
    let target = to.input;
    if base.oid == target || matches!(target, ANY | ANYELEMENT | ANYCOMPATIBLE) {
        return Some(true);
    }
    let by_kind = match target {
        ANYARRAY | ANYCOMPATIBLEARRAY => base.is_array,
        ANYNONARRAY | ANYCOMPATIBLENONARRAY => !base.is_array,
        ANYENUM => base.typtype == b'e',
        ANYRANGE | ANYCOMPATIBLERANGE => base.typtype == b'r',
        ANYMULTIRANGE | ANYCOMPATIBLEMULTIRANGE => base.typtype == b'm',
        RECORD => base.typtype == b'c',
        RECORDARRAY => return None,
        _ => false,
    };
    Some(by_kind || to.coercible_from.contains(&base.oid))
}

/// The definition of the index in `r` (a row of [`crate::queries::INDEXES`] on `table`), or
/// None when it must come from the server. `column` looks up a column of the table by attnum.
pub fn render<'a>(
    r: &Row,
    table: &QualName,
    column: impl Fn(i16) -> Option<Column<'a>>,
    opclasses: &Opclasses,
) -> Option<String> {
    if r.get::<_, Option<String>>(5).is_some() {
        return None; // An expression index: the server's definition came with the row.
    }
    let name: &str = r.get(1);
    let unique = r.get::<_, Option<bool>>(3).unwrap_or(false);
    let method: &str = r.get(4);
    let indkey: Vec<i16> = r.get(6);
    let nkey = usize::try_from(r.get::<_, i16>(7)).ok()?;
    let predicate: Option<&str> = r.get(8);
    let nulls_not_distinct = r.get::<_, Option<bool>>(10).unwrap_or(false);
    let indclass: Vec<u32> = r.get(11);
    let indoption: Vec<i16> = r.get(12);
    let indcollation: Vec<u32> = r.get(13);
    let options: Vec<String> = r.get::<_, Option<_>>(14).unwrap_or_default();

    let mut sql = format!(
        "CREATE {}INDEX {} ON {} USING {} (",
        if unique { "UNIQUE " } else { "" },
        quote::ident(name),
        table.sql(),
        quote::ident(method)
    );
    for (k, &attnum) in indkey.iter().enumerate() {
        if k == nkey {
            sql.push_str(") INCLUDE (");
        } else if k > 0 {
            sql.push_str(", ");
        }
        let col = column(attnum)?;
        sql.push_str(&quote::ident(col.name));
        if k >= nkey {
            continue;
        }
        let collation = *indcollation.get(k)?;
        if collation != 0 && collation != col.collation {
            return None;
        }
        let opclass = opclasses.get(*indclass.get(k)?)?;
        if opclass.may_have_options || col.base.typtype == b'd' {
            return None;
        }
        if !opclasses.is_default(opclass, &col.base)? {
            sql.push(' ');
            if opclass.visible {
                sql.push_str(&quote::ident(&opclass.name));
            } else {
                sql.push_str(&quote::qualified(&opclass.schema, &opclass.name));
            }
        }
        // Only ordering methods accept these, so the flags are 0 for the others.
        let option = *indoption.get(k)?;
        if option & DESC != 0 {
            sql.push_str(" DESC");
            if option & NULLS_FIRST == 0 {
                sql.push_str(" NULLS LAST");
            }
        } else if option & NULLS_FIRST != 0 {
            sql.push_str(" NULLS FIRST");
        }
    }
    sql.push(')');
    if nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if !options.is_empty() {
        sql.push_str(" WITH (");
        for (i, option) in options.iter().enumerate() {
            let (name, value) = option.split_once('=').unwrap_or((option, ""));
            if value.contains('\\') {
                return None; // `flatten_reloptions` never writes E'…'.
            }
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&quote::ident(name));
            sql.push('=');
            let bare = quote::ident(value);
            sql.push_str(&if bare == value { bare } else { quote::literal(value) });
        }
        sql.push(')');
    }
    if let Some(predicate) = predicate {
        sql.push_str(" WHERE ");
        sql.push_str(predicate);
    }
    Some(sql)
}

/// The keys of an index on expressions, read off its definition as `pg_get_indexdef` prints
/// it: a column by its (quoted) name, `named` for attnum `indkey[k]`; an expression as the
/// definition has it, in parentheses or as a function call, without the collation, opclass
/// and ordering that follow it. None when the definition is not of that shape (the caller
/// asks the server, `crate::queries::INDEX_KEYS`).
pub fn expression_keys(definition: &str, indkey: &[i16], named: impl Fn(&i16) -> String) -> Option<Vec<String>> {
    let items = key_items(definition)?;
    if items.len() != indkey.len() {
        return None;
    }
    indkey
        .iter()
        .zip(items)
        .map(|(attnum, item)| if *attnum != 0 { Some(named(attnum)) } else { expression_of(item).map(str::to_owned) })
        .collect()
}

/// Calls `f(index, byte, depth)` for each byte of `sql` outside quoted identifiers and
/// string literals (both end at their quote and escape it by doubling, so toggling on each
/// quote is exact), with the parenthesis depth before it, until `f` returns false.
fn scan(sql: &str, mut f: impl FnMut(usize, u8, usize) -> bool) {
    let (mut quote, mut depth) = (None, 0usize);
    for (i, b) in sql.bytes().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => {
                if !f(i, b, depth) {
                    return;
                }
                match b {
                    b'\'' | b'"' => quote = Some(b),
                    b'(' => depth += 1,
                    b')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
    }
}

/// The key items of a definition: what is between `USING method (` and its closing
/// parenthesis, split at the commas outside parentheses and quotes.
fn key_items(definition: &str) -> Option<Vec<&str>> {
    // The first " USING " outside quotes ends the table's name; the method's name follows,
    // then " (".
    let mut using = None;
    scan(definition, |i, _, depth| {
        if depth == 0 && definition.as_bytes()[i..].starts_with(b" USING ") {
            using = Some(i + " USING ".len());
        }
        using.is_none()
    });
    let method = using?;
    let mut open = None;
    scan(&definition[method..], |i, b, depth| {
        if depth == 0 && b == b'(' {
            open = Some(method + i + 1);
        }
        open.is_none()
    });
    let body = open?;
    let (mut items, mut start, mut end) = (Vec::new(), body, None);
    scan(&definition[body..], |i, b, depth| {
        match (b, depth) {
            (b',', 0) => {
                items.push(definition[start..body + i].trim());
                start = body + i + 1;
            }
            (b')', 0) => end = Some(body + i),
            _ => {}
        }
        end.is_none()
    });
    items.push(definition[start..end?].trim());
    Some(items)
}

/// The expression at the start of key item `item`: a parenthesized expression, or a
/// function call (a name, maybe qualified and quoted, then its arguments), up to what
/// follows it (` COLLATE …`, an opclass, ` DESC`, ` NULLS …`).
fn expression_of(item: &str) -> Option<&str> {
    let mut end = None;
    let mut bad = false;
    scan(item, |i, b, depth| {
        if depth == 0 {
            match b {
                b')' => bad = true,
                b' ' => bad = true, // before the arguments: not a call pg_get_indexdef prints bare
                _ => {}
            }
        }
        if depth == 1 && b == b')' {
            end = Some(i + 1);
        }
        end.is_none() && !bad
    });
    let end = end?;
    let rest = &item[end..];
    (rest.is_empty() || rest.starts_with(' ')).then_some(&item[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(definition: &str, indkey: &[i16]) -> Option<Vec<String>> {
        expression_keys(definition, indkey, |a| format!("col{a}"))
    }

    #[test]
    fn keys_are_read_off_definitions() {
        let def = "CREATE INDEX \"x USING y (\" ON \"s, (1)\".\"t\" USING btree (lower((\"user\")::text) COLLATE \"C\" text_pattern_ops DESC, \"a\", ((\"b\" || ')x, ''y(')) NULLS FIRST) INCLUDE (\"c\") WHERE (a > 0)";
        assert_eq!(
            keys(def, &[0, 2, 0]).unwrap(),
            ["lower((\"user\")::text)", "col2", "((\"b\" || ')x, ''y('))"]
        );
        let qualified = "CREATE INDEX i ON s.t USING hash (\"S\".\"f(x)\"(a, ','))";
        assert_eq!(keys(qualified, &[0]).unwrap(), ["\"S\".\"f(x)\"(a, ',')"]);
    }

    #[test]
    fn what_is_not_read_for_sure_is_none() {
        // A key printed bare that is not a call, the wrong number of keys, a cut definition,
        // something glued to the expression: the caller asks the server.
        assert_eq!(keys("CREATE INDEX i ON s.t USING btree (a IS DOCUMENT)", &[0]), None);
        assert_eq!(keys("CREATE INDEX i ON s.t USING btree (lower(a), b)", &[0]), None);
        assert_eq!(keys("CREATE INDEX i ON s.t USING btree (lower(a)", &[0]), None);
        assert_eq!(keys("CREATE INDEX i ON s.t USING btree ((a)::text)", &[0]), None);
        assert_eq!(keys("CREATE INDEX i ON s.t (lower(a))", &[0]), None);
        assert_eq!(keys("", &[0]), None);
    }
}
