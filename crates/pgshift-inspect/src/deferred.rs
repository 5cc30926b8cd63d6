//! Table `CHECK`s read as expression trees, their text left for later: what a diff of two live
//! databases uses so that the server deparses only the checks that differ.
//!
//! Owns: normalizing a check's stored tree (`pg_constraint.conbin`, `nodeToString` form) so
//! that two databases' trees compare equal exactly when they print the same (see
//! [`normalize`]), pairing two inspections' checks by table, name and tree, and fetching and
//! filling in the text of the checks still deferred.
//!
//! Why: deparsing a table's first `CHECK` makes the server build that table's relation cache
//! entry (`pg_get_expr` opens the relation for its column names), ~19 µs a table, ~95 ms of each
//! side's server time at 5,000 tables, spent mostly on tables that did not change. Reading
//! `conbin` costs the server a copy. A diff needs a check's text only when it differs, is new, or
//! goes into SQL; everything else needs only to know that the two sides are the same.
//!
//! Until it is filled in, a deferred check's expression is [`MARKER`] (in its definition too):
//! the same on both sides of a pair, so the pair compares equal, and never valid SQL. A command
//! that prints SQL or JSON from catalogs with deferred checks must look for the marker in its
//! output and, when it is there, fill in the rest ([`DeferredChecks::remaining`]) and start
//! again (`pgshift diff` does).

use std::collections::HashMap;

use pgshift_catalog::{quote, Catalog, ConstraintKind, QualName};
use tokio_postgres::Client;

use crate::InspectError;

/// The expression of a check whose text is not read yet.
pub const MARKER: &str = "pgshift:deferred-check";

/// The first OID not assigned by PostgreSQL's own catalog data (`FirstGenbkiObjectId`): below
/// it an OID means the same object in every database of a major version; from it on (objects
/// `initdb` creates, such as the operating system's collations, and every user object) it can
/// name different objects in two databases.
const FIRST_UNSTABLE_OID: i64 = 10_000;

/// The server a check tree was read from: trees are compared only between servers of the
/// same major version (the tree format and the built-in OIDs) and encoding (string constants
/// are stored as bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// `server_version_num / 10000`.
    pub major: i32,
    /// `server_encoding`.
    pub encoding: String,
}

/// One deferred check.
#[derive(Debug)]
struct Check {
    oid: u32,
    table: QualName,
    name: String,
    /// The normalized tree's [`fingerprint`]; `None` when it cannot be compared with another
    /// database's.
    tree: Option<[u8; 32]>,
    /// The same check (table, name and tree) is on the other side.
    paired: bool,
}

/// The table checks of one inspection whose text was not read.
#[derive(Debug)]
pub struct DeferredChecks {
    server: Server,
    checks: Vec<Check>,
}

impl DeferredChecks {
    pub(crate) fn new(server: Server) -> Self {
        DeferredChecks { server, checks: Vec::new() }
    }

    pub(crate) fn push(&mut self, oid: u32, table: QualName, name: String, tree: Option<[u8; 32]>) {
        self.checks.push(Check { oid, table, name, tree, paired: false });
    }

    /// How many checks are still deferred.
    pub fn len(&self) -> usize {
        self.checks.len()
    }

    /// True when every check has its text.
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// The checks whose text a diff needs now: those [`pair`] found no same check for.
    pub fn unpaired(&self) -> Vec<u32> {
        self.checks.iter().filter(|c| !c.paired).map(|c| c.oid).collect()
    }

    /// Every check still deferred.
    pub fn remaining(&self) -> Vec<u32> {
        self.checks.iter().map(|c| c.oid).collect()
    }

    /// Fill in `texts` (from [`fetch`]) in `catalog`, the catalog these checks were read into.
    /// A check asked for that did not come back was dropped meanwhile: an error.
    pub fn apply(&mut self, catalog: &mut Catalog, asked: &[u32], texts: Vec<(u32, String)>) -> Result<(), InspectError> {
        let mut texts: HashMap<u32, String> = texts.into_iter().collect();
        let asked: rustc_hash::FxHashSet<u32> = asked.iter().copied().collect();
        let mut vanished = None;
        self.checks.retain(|c| {
            if !asked.contains(&c.oid) && !texts.contains_key(&c.oid) {
                return true;
            }
            match texts.remove(&c.oid) {
                Some(expr) => fill(catalog, &c.table, &c.name, expr),
                None => vanished = Some((c.table.clone(), c.name.clone())),
            }
            false
        });
        match vanished {
            Some((table, name)) => Err(InspectError::Vanished { table, name }),
            None => Ok(()),
        }
    }
}

/// Put `expr` where the marker is in the check `name` of `table`.
fn fill(catalog: &mut Catalog, table: &QualName, name: &str, expr: String) {
    let Some(c) = catalog.tables.get_mut(table).and_then(|t| t.constraints.get_mut(name)) else { return };
    c.definition = c.definition.replacen(MARKER, &expr, 1);
    if let ConstraintKind::Check { expression, .. } = &mut c.kind {
        *expression = expr;
    }
}

/// Mark the checks that are the same on both sides: same table, same name, and trees that
/// compare equal (see [`normalize`]), read from servers of the same major version and
/// encoding. Their text stays deferred; the trees are freed.
pub fn pair(a: &mut DeferredChecks, b: &mut DeferredChecks) {
    if a.server == b.server {
        let theirs: HashMap<(&QualName, &str), usize> = b
            .checks
            .iter()
            .enumerate()
            .filter(|(_, c)| c.tree.is_some())
            .map(|(i, c)| ((&c.table, c.name.as_str()), i))
            .collect();
        let mut same = Vec::new();
        for c in &mut a.checks {
            let Some(tree) = &c.tree else { continue };
            if let Some(&i) = theirs.get(&(&c.table, c.name.as_str())) {
                if b.checks[i].tree.as_ref() == Some(tree) {
                    c.paired = true;
                    same.push(i);
                }
            }
        }
        for i in same {
            b.checks[i].paired = true;
        }
    }
    for c in a.checks.iter_mut().chain(&mut b.checks) {
        c.tree = None;
    }
}

/// The expressions of the checks `oids` as `pg_get_expr` prints them with `search_path`
/// empty (what an inspection reads), in a read-only transaction of their own. No query when
/// there are none.
pub async fn fetch(client: &Client, oids: &[u32]) -> Result<Vec<(u32, String)>, InspectError> {
    if oids.is_empty() {
        return Ok(Vec::new());
    }
    let what = "the text of check constraints";
    client
        .batch_execute("BEGIN READ ONLY; SET LOCAL search_path = ''; SET LOCAL jit = off")
        .await
        .map_err(crate::query_err(what))?;
    let rows = crate::from_server(client, crate::queries::CHECK_EXPRESSIONS, what, oids).await;
    let end = client.batch_execute("COMMIT").await.map_err(crate::query_err(what));
    let rows = rows?;
    end?;
    Ok(rows)
}

/// A check's tree as `conbin::text` gives it, made comparable with another database's: token
/// locations (offsets into the statement that made it) are left out, and column numbers are
/// replaced by the column names (`attnum` → name, from the table's columns), because two
/// databases may number the same column differently, and `pg_get_expr` prints names.
///
/// `None` when the tree may print differently in another database with the same tree: an
/// integer from [`FIRST_UNSTABLE_OID`] on that is not a known non-OID field (a type modifier,
/// a constant's length or bytes, a location) may be an OID of a user object (a type, a
/// function, a collation) that another database numbers differently, or numbers the same
/// and names differently; a column reference this reader does not resolve (another range
/// table entry, a whole row, a system column) too.
pub fn normalize<'n>(tree: &str, column: impl Fn(i16) -> Option<&'n str>) -> Option<Box<str>> {
    let mut out = String::with_capacity(tree.len());
    normalize_into(tree, column, &mut out)?;
    Some(out.into_boxed_str())
}

/// The SHA-256 of [`normalize`]'s form of `tree` (what is kept of a deferred check: two
/// sides' trees are equal when their digests are), made in `buffer`.
pub fn fingerprint<'n>(tree: &str, column: impl Fn(i16) -> Option<&'n str>, buffer: &mut String) -> Option<[u8; 32]> {
    use sha2::Digest;
    buffer.clear();
    normalize_into(tree, column, buffer)?;
    Some(sha2::Sha256::digest(buffer.as_bytes()).into())
}

fn normalize_into<'n>(tree: &str, column: impl Fn(i16) -> Option<&'n str>, out: &mut String) -> Option<()> {
    let mut field: Option<&str> = None;
    let mut in_bytes = false;
    let mut rest = tree;
    loop {
        rest = rest.trim_start();
        let Some(first) = rest.chars().next() else { break };
        let token = match first {
            '{' | '}' | '(' | ')' | '[' | ']' => &rest[..1],
            '"' => quoted(rest)?,
            _ => word(rest),
        };
        rest = &rest[token.len()..];
        match first {
            '[' => in_bytes = true,
            ']' => in_bytes = false,
            _ => {}
        }
        if token.starts_with(':') {
            field = Some(token);
            if token == ":location" {
                // Its value is skipped with it.
                rest = &rest.trim_start()[word(rest.trim_start()).len()..];
                field = None;
                continue;
            }
            push(out, token);
            continue;
        }
        let value_of = field.take();
        match value_of {
            Some(":varattno" | ":varattnosyn") => {
                let attnum: i16 = token.parse().ok()?;
                push(out, &quote::ident(column(attnum)?));
                continue;
            }
            Some(":varno" | ":varnosyn") if token != "1" => return None,
            Some(":varlevelsup") if token != "0" => return None,
            _ => {}
        }
        let exempt = in_bytes
            || value_of.is_some_and(|f| f.to_ascii_lowercase().ends_with("typmod") || f == ":typeMod" || f == ":constlen" || f == ":constvalue");
        if !exempt && !token.starts_with('\\') && token.parse::<i64>().is_ok_and(|n| n >= FIRST_UNSTABLE_OID) {
            return None;
        }
        push(out, token);
    }
    Some(())
}

/// A bare token at the start of `s`: up to whitespace or a bracket; a backslash takes the next
/// character as it is (`outToken`'s escaping).
fn word(s: &str) -> &str {
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            c if c.is_whitespace() || matches!(c, '{' | '}' | '(' | ')' | '[' | ']') => return &s[..i],
            _ => {}
        }
    }
    s
}

/// A double-quoted token at the start of `s`, quotes included; `None` when it does not end.
fn quoted(s: &str) -> Option<&str> {
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return Some(&s[..=i]),
            _ => {}
        }
    }
    None
}

fn push(out: &mut String, token: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(token);
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRICE: &str = "{OPEXPR :opno 525 :opfuncid 150 :opresulttype 16 :opretset false :opcollid 0 \
        :inputcollid 0 :args ({VAR :varno 1 :varattno 3 :vartype 23 :vartypmod -1 :varcollid 0 \
        :varlevelsup 0 :varnosyn 1 :varattnosyn 3 :location 7} {CONST :consttype 23 :consttypmod -1 \
        :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 15 \
        :constvalue 4 [ 0 0 0 0 0 0 0 0 ]}) :location 13}";

    fn columns(names: &'static [&'static str]) -> impl Fn(i16) -> Option<&'static str> {
        move |attnum| names.get(usize::try_from(attnum).ok()?.checked_sub(1)?).copied()
    }

    #[test]
    fn locations_are_left_out_and_columns_named() {
        let n = normalize(PRICE, columns(&["id", "title", "price"])).unwrap();
        assert!(!n.contains("location"), "{n}");
        assert!(n.contains(":varattno price") && n.contains(":varattnosyn price"), "{n}");
        // The same check typed differently (other offsets) is the same tree.
        let moved = PRICE.replace(":location 7}", ":location 70}").replace(":location 13}", ":location 1}");
        assert_eq!(normalize(&moved, columns(&["id", "title", "price"])), Some(n.clone()));
        // The same column at another attnum is the same tree; another name is not.
        let renumbered = PRICE.replace(":varattno 3", ":varattno 2").replace(":varattnosyn 3", ":varattnosyn 2");
        assert_eq!(normalize(&renumbered, columns(&["id", "price"])), Some(n.clone()));
        assert_ne!(normalize(PRICE, columns(&["id", "title", "cost"])), Some(n));
        // Names are quoted as SQL would, so no name can pass for tokens.
        let odd = normalize(PRICE, columns(&["id", "title", "a :varno 2"])).unwrap();
        assert!(odd.contains("\"a :varno 2\""), "{odd}");
    }

    #[test]
    fn what_may_differ_between_databases_is_not_comparable() {
        let cols = || columns(&["id", "title", "price"]);
        // A user type, function or collation OID.
        assert_eq!(normalize(&PRICE.replace(":vartype 23", ":vartype 16421"), cols()), None);
        assert_eq!(normalize(&PRICE.replace(":opno 525", ":opno 12001"), cols()), None);
        // In an OID list too.
        assert_eq!(normalize(&PRICE.replace(":opretset false", ":opretset (o 20001)"), cols()), None);
        // A column it cannot name, or another range table entry.
        assert_eq!(normalize(PRICE, columns(&["id"])), None);
        assert_eq!(normalize(&PRICE.replace(":varno 1", ":varno 2"), cols()), None);
        assert_eq!(normalize(&PRICE.replace(":varattno 3", ":varattno 0"), cols()), None);
        // An unterminated string.
        assert_eq!(normalize("{CONST :x \"abc}", cols()), None);
    }

    #[test]
    fn large_numbers_that_are_not_oids_are_comparable() {
        let cols = || columns(&["id", "title", "price"]);
        let typmod = PRICE.replace(":vartypmod -1", ":vartypmod 786438");
        assert!(normalize(&typmod, cols()).is_some());
        let long = PRICE.replace(":constvalue 4 [ 0 0 0 0 0 0 0 0 ]", ":constvalue 20004 [ 255 255 ]");
        assert!(normalize(&long, cols()).is_some());
        // A string that looks like a number is escaped by the server.
        assert!(normalize(&PRICE.replace(":opretset false", ":opretset \\12345"), cols()).is_some());
        // A location may be -1.
        assert_eq!(normalize(&PRICE.replace(":location 7}", ":location -1}"), cols()), normalize(PRICE, cols()));
    }
}
