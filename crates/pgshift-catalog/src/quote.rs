//! The one place where identifiers and literals become SQL text.
//!
//! Every name or string value that reaches a SQL statement anywhere in pgshift goes through
//! [`ident`], [`qualified`] or [`literal`]. No other code may build SQL by pasting a name into a
//! `format!` string.
//!
//! It is also the one place where text becomes a `--` comment of a generated file
//! ([`comment_text`], [`comment`]): a name may hold a line break, and a line break in a comment
//! would turn the rest of the name into live SQL.

/// Keywords that PostgreSQL's own `quote_ident` would quote: every reserved, type/function-name
/// and column-name keyword (unreserved keywords are safe bare). Taken from `kwlist.h` of
/// PostgreSQL 13–17; a few extra entries are harmless (they only add quotes).
const KEYWORDS: &[&str] = &[
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
    "authorization", "between", "bigint", "binary", "bit", "boolean", "both", "case", "cast",
    "char", "character", "check", "coalesce", "collate", "collation", "column", "concurrently",
    "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user", "dec", "decimal",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists",
    "extract", "false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant",
    "greatest", "group", "grouping", "having", "ilike", "in", "initially", "inner", "inout", "int",
    "integer", "intersect", "interval", "into", "is", "isnull", "join", "json", "json_array",
    "json_arrayagg", "json_exists", "json_object", "json_objectagg", "json_query",
    "json_scalar", "json_serialize", "json_table", "json_value", "lateral", "leading", "least",
    "left", "like", "limit", "localtime", "localtimestamp", "merge_action", "national",
    "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric",
    "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing",
    "position", "precision", "primary", "real", "references", "returning", "right", "row",
    "select", "session_user", "setof", "similar", "smallint", "some", "substring", "symmetric",
    "system_user", "table", "tablesample", "then", "time", "timestamp", "to", "trailing",
    "treat", "trim", "true", "union", "unique", "user", "using", "values", "varchar",
    "variadic", "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat",
    "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot",
    "xmlserialize", "xmltable",
];

/// Quote an identifier the way PostgreSQL's `quote_ident` does: bare when it is a plain
/// lower-case identifier that is not a keyword, double-quoted (with `"` doubled) otherwise.
pub fn ident(name: &str) -> String {
    if is_plain(name) {
        name.to_owned()
    } else {
        let mut out = String::with_capacity(name.len() + 2);
        out.push('"');
        for ch in name.chars() {
            if ch == '"' {
                out.push('"');
            }
            out.push(ch);
        }
        out.push('"');
        out
    }
}

fn is_plain(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_lowercase() || first == '_')
        // No `$`: PostgreSQL's `quote_identifier` quotes it too.
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && KEYWORDS.binary_search(&name).is_err()
}

/// `schema.name`, each part through [`ident`].
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// A string literal: `'…'` with `'` doubled; `E'…'` with backslashes doubled when the value
/// holds a backslash, so the result means the same under any `standard_conforming_strings`.
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    if value.contains('\\') {
        out.push('E');
    }
    out.push('\'');
    for ch in value.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(ch),
        }
    }
    out.push('\'');
    out
}

/// A storage option `name=value` (from `reloptions`) as SQL: the name bare when plain, the
/// value bare when it is a plain word or number, a literal otherwise.
pub fn reloption(option: &str) -> String {
    let (name, value) = option.split_once('=').unwrap_or((option, ""));
    let plain = |s: &str| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    let name = if plain(name) { name.to_owned() } else { ident(name) };
    let value = if plain(value) { value.to_owned() } else { literal(value) };
    format!("{name}={value}")
}

/// `body` as a dollar-quoted string: `$tag$body$tag$` with a tag (`base`, or `base_1`, `base_2`,
/// …) that does not occur in `body`, so nothing in the body (a name, a literal) can end it.
/// `base` must be a plain identifier.
pub fn dollar(base: &str, body: &str) -> String {
    let mut tag = format!("${base}$");
    let mut n = 0;
    // The first occurrence of the tag must be the closing one (not in the body, nor made of the
    // body's end and the tag's start, as in `…$b` + `$b$`).
    while format!("{body}{tag}").find(&tag) != Some(body.len()) {
        n += 1;
        tag = format!("${base}_{n}$");
    }
    format!("{tag}{body}{tag}")
}

/// Whether `c` must not appear in a `--` comment line: a control character (PostgreSQL ends a
/// comment at `\n` and `\r`; editors and terminals break lines at others, e.g. U+0085, form
/// feed, vertical tab) or a Unicode line or paragraph separator.
pub fn breaks_comment(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` made safe to print on one `--` comment line: `\n`, `\r` and `\t` become those two
/// characters, any other character of [`breaks_comment`] becomes `\u{…}` (its hex code). Every
/// comment, hazard, hint or proof query that pgshift writes into a file goes through here, so
/// nothing a name holds can end the comment and become a statement.
pub fn comment_text(text: &str) -> String {
    if !text.chars().any(breaks_comment) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if breaks_comment(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A whole comment line: `-- ` and [`comment_text`] of `text`, ending in `\n`.
pub fn comment(text: &str) -> String {
    format!("-- {}\n", comment_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        let mut sorted = KEYWORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, KEYWORDS);
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(ident("users"), "users");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("Project"), "\"Project\"");
        assert_eq!(ident("a b"), "\"a b\"");
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(ident("1abc"), "\"1abc\"");
        assert_eq!(ident(""), "\"\"");
        assert_eq!(ident("café"), "\"café\"");
        assert_eq!(ident("x$y"), "\"x$y\"");
        assert_eq!(qualified("public", "Order"), "public.\"Order\"");
    }

    #[test]
    fn reloptions_quote_only_odd_values() {
        assert_eq!(reloption("fillfactor=70"), "fillfactor=70");
        assert_eq!(reloption("check_option=local"), "check_option=local");
        assert_eq!(reloption("x=a b"), "x='a b'");
    }

    #[test]
    fn comments_stay_on_one_line() {
        let name = qualified("public", "evil\nDELETE FROM accounts; --");
        let line = comment(&format!("hazard (destructive): table {name} is dropped"));
        assert_eq!(line, "-- hazard (destructive): table public.\"evil\\nDELETE FROM accounts; --\" is dropped\n");
        assert_eq!(line.matches('\n').count(), 1);
        assert_eq!(comment_text("a\r\tb\u{85}c\u{2028}d\u{7f}"), "a\\r\\tb\\u{0085}c\\u{2028}d\\u{007f}");
        assert_eq!(comment_text("plain \"Name\" */ /* -- ;"), "plain \"Name\" */ /* -- ;");
        for c in ['\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{2029}', '\0'] {
            assert!(!comment_text(&format!("x{c}y")).chars().any(breaks_comment), "{c:?}");
        }
    }

    #[test]
    fn dollar_tags_never_occur_in_the_body() {
        assert_eq!(dollar("b", "BEGIN END"), "$b$BEGIN END$b$");
        assert_eq!(dollar("b", "x $b$; DROP"), "$b_1$x $b$; DROP$b_1$");
        assert_eq!(dollar("b", "x $b$ $b_1$"), "$b_2$x $b$ $b_1$$b_2$");
        assert_eq!(dollar("b", "x $b"), "$b_1$x $b$b_1$");
    }

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal(r"a\b"), r"E'a\\b'");
    }
}
