//! Statement splitting and syntax errors, by PostgreSQL's own parser (libpg_query).
//!
//! Owns: cutting the SQL of one section into statements with [`pg_query::split_with_parser`]
//! (the real grammar, so dollar quotes, comments, strings with semicolons and `BEGIN ATOMIC`
//! bodies split as the server would split them), each statement's exact text and byte span,
//! its normalized token text for the checksum, and finding *where* a syntax error is.
//!
//! Why the parser and not the scanner: `split_with_scanner` cuts at every top-level `;`, which
//! is wrong inside `BEGIN ATOMIC … END`, and it silently skips tokens it cannot place. The
//! parser is exact, and a section it rejects would fail on the server anyway, so rejecting it
//! here (with file:line) is the earlier, better error. The scanner is used only to read tokens
//! (for trimming, checksums and locating errors).
//!
//! libpg_query reports an error's message but the Rust binding drops its position, so
//! [`split`] recovers it: PostgreSQL quotes the text from the error position in the message
//! (`at or near "…"`), and the first candidate token with that text whose prefix of the
//! section fails with the same message is the place (found by bisection, a few parses).
//!
//! Must not: know about files, sections or lines (the caller maps byte offsets), or execute
//! anything.

use pg_query::protobuf::Token;

/// One statement of a section: a byte span in the section's text and its normal form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Byte offset of its first token.
    pub start: usize,
    /// Byte offset just after its last token (the `;` is not part of it).
    pub end: usize,
    /// Its tokens, comments left out, joined by one space; line endings inside tokens are
    /// `\n`.
    pub normal: String,
}

/// A section PostgreSQL's parser rejects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SqlError {
    /// The parser's message, shortened.
    pub message: String,
    /// Byte offset in the section's text where the error is, when it could be found.
    pub offset: Option<usize>,
}

/// A scanned token: byte span and whether it is a comment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    pub comment: bool,
    pub semicolon: bool,
}

/// The tokens of `sql`, or the scanner's message.
pub(crate) fn tokens(sql: &str) -> Result<Vec<Tok>, String> {
    let scanned = scan(sql).map_err(message)?;
    Ok(scanned
        .iter()
        .filter_map(|t| {
            let start = usize::try_from(t.start).ok()?;
            let end = usize::try_from(t.end).ok()?;
            (start <= end && end <= sql.len()).then_some(Tok {
                start,
                end,
                comment: t.token == Token::SqlComment as i32 || t.token == Token::CComment as i32,
                semicolon: t.token == Token::Ascii59 as i32,
            })
        })
        .collect())
}

/// Split a section's SQL into statements.
pub(crate) fn split(sql: &str) -> Result<Vec<Piece>, SqlError> {
    let parts = match pg_query::split_with_parser(sql) {
        Ok(parts) => parts,
        Err(e) => return Err(locate(sql, message(e))),
    };
    // The parser accepted the text, so the scanner does too.
    let toks = tokens(sql).map_err(|m| SqlError { message: shorten(&m), offset: None })?;
    let base = sql.as_ptr() as usize;
    let mut pieces = Vec::with_capacity(parts.len());
    let mut i = 0;
    for part in parts {
        // Each part is a slice of `sql`; its offset is the pointer difference.
        let from = (part.as_ptr() as usize).saturating_sub(base);
        let to = from + part.len();
        while i < toks.len() && toks[i].start < from {
            i += 1;
        }
        let mut mine: Vec<Tok> = Vec::new();
        while i < toks.len() && toks[i].end <= to {
            if !toks[i].comment {
                mine.push(toks[i]);
            }
            i += 1;
        }
        while mine.last().is_some_and(|t| t.semicolon) {
            mine.pop();
        }
        let (Some(first), Some(last)) = (mine.first(), mine.last()) else { continue };
        let normal = mine
            .iter()
            .map(|t| sql.get(t.start..t.end).unwrap_or_default().replace("\r\n", "\n"))
            .collect::<Vec<_>>()
            .join(" ");
        pieces.push(Piece { start: first.start, end: last.end, normal });
    }
    Ok(pieces)
}

/// Whether the last token of `sql` is a `--` comment (so a `;` appended on the same line
/// would be commented out).
pub(crate) fn ends_in_line_comment(sql: &str) -> bool {
    match scan(sql) {
        Ok(toks) => toks.last().is_some_and(|t| t.token == Token::SqlComment as i32),
        Err(_) => sql.lines().last().is_some_and(|l| l.contains("--")),
    }
}

/// The scanner's tokens. `pg_query::scan_tokens` builds a slice from a null pointer when there
/// is no token (undefined behaviour, caught by debug builds), so use the protobuf path, and do
/// not call the scanner at all for blank text.
fn scan(sql: &str) -> Result<Vec<pg_query::protobuf::ScanToken>, pg_query::Error> {
    if sql.bytes().all(|b| b.is_ascii_whitespace()) {
        return Ok(Vec::new());
    }
    pg_query::scan(sql).map(|r| r.tokens)
}

fn message(e: pg_query::Error) -> String {
    match e {
        pg_query::Error::Split(m) | pg_query::Error::Parse(m) | pg_query::Error::Scan(m) => m,
        other => other.to_string(),
    }
}

const NEAR: &str = " at or near \"";

/// The text PostgreSQL quotes after `at or near`: it starts exactly at the error position.
fn near_text(message: &str) -> Option<&str> {
    let at = message.find(NEAR)?;
    message[at + NEAR.len()..].strip_suffix('"')
}

/// The message with a long or multi-line quoted text cut short.
fn shorten(message: &str) -> String {
    const KEEP: usize = 40;
    let Some(at) = message.find(NEAR) else { return message.to_owned() };
    let near = &message[at + NEAR.len()..];
    let near = near.strip_suffix('"').unwrap_or(near);
    let first_line = near.lines().next().unwrap_or_default();
    let short: String = first_line.chars().take(KEEP).collect();
    let cut = if short.len() < near.len() { "…" } else { "" };
    format!("{}{NEAR}{short}{cut}\"", &message[..at])
}

fn fails_parse_with(prefix: &str, message_: &str) -> bool {
    pg_query::split_with_parser(prefix).err().map(message).is_some_and(|m| m == message_)
}

fn fails_scan_with(prefix: &str, message_: &str) -> bool {
    scan(prefix).err().map(message).is_some_and(|m| m == message_)
}

/// The first candidate (sorted) for which `fails` holds, by bisection: candidates before the
/// real error position leave a prefix that is fine so far, those at or after it fail the same
/// way.
fn bisect(candidates: &[(usize, usize)], fails: impl Fn(usize) -> bool) -> Option<usize> {
    let (mut lo, mut hi) = (0, candidates.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(candidates[mid].1) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    candidates.get(lo).or(candidates.first()).map(|c| c.0)
}

/// Where in `sql` the parser's error is.
fn locate(sql: &str, message: String) -> SqlError {
    let offset = match tokens(sql) {
        Ok(toks) => locate_parse(sql, &toks, &message),
        Err(scan_message) => locate_scan(sql, &scan_message),
    };
    SqlError { message: shorten(&message), offset }
}

fn locate_parse(sql: &str, toks: &[Tok], message: &str) -> Option<usize> {
    if let Some(near) = near_text(message) {
        let candidates: Vec<(usize, usize)> = toks
            .iter()
            .filter(|t| sql.get(t.start..t.end) == Some(near))
            .map(|t| (t.start, t.end))
            .collect();
        if candidates.is_empty() {
            return sql.find(near);
        }
        return bisect(&candidates, |end| sql.get(..end).is_some_and(|p| fails_parse_with(p, message)));
    }
    // "… at end of input": the last statement is incomplete. It starts after the last `;`
    // whose prefix parses; look back a bounded number of times.
    let first_after = |pos: usize| toks.iter().find(|t| t.start >= pos && !t.comment).map(|t| t.start);
    for semi in toks.iter().rev().filter(|t| t.semicolon).take(200) {
        if sql.get(..semi.end).is_some_and(|p| pg_query::split_with_parser(p).is_ok()) {
            return first_after(semi.end);
        }
    }
    first_after(0)
}

fn locate_scan(sql: &str, message: &str) -> Option<usize> {
    let near = near_text(message)?;
    if near.is_empty() {
        return None;
    }
    // Unterminated quotes and comments quote the whole rest of the text.
    if let Some(rest) = sql.len().checked_sub(near.len()).filter(|&at| sql.get(at..) == Some(near)) {
        return Some(rest);
    }
    let candidates: Vec<(usize, usize)> = sql.match_indices(near).map(|(at, s)| (at, at + s.len())).collect();
    bisect(&candidates, |end| sql.get(..end).is_some_and(|p| fails_scan_with(p, message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split(sql).unwrap().iter().map(|p| &sql[p.start..p.end]).collect()
    }

    #[test]
    fn splits_like_the_server() {
        assert_eq!(texts("select 1; select 2;"), ["select 1", "select 2"]);
        assert_eq!(texts("  -- lead\n select 1 -- tail\n;\n\n"), ["select 1"]);
        assert_eq!(texts("select ';' ; select $x$ ; $x$;"), ["select ';'", "select $x$ ; $x$"]);
        assert_eq!(texts(";;"), Vec::<&str>::new());
        assert_eq!(texts("select 1"), ["select 1"]);
    }

    #[test]
    fn normal_form_drops_comments_and_spacing() {
        let a = split("select  1, /* x */ 'a b'\r\n ;").unwrap();
        let b = split("select 1 ,\n'a b' -- y\n").unwrap();
        assert_eq!(a[0].normal, "select 1 , 'a b'");
        assert_eq!(a[0].normal, b[0].normal);
    }

    #[test]
    fn errors_are_located() {
        let sql = "select 1;\nselect 2 fromm t;\n";
        let e = split(sql).unwrap_err();
        assert!(e.message.contains("syntax error at or near \"t\""), "{e:?}");
        assert_eq!(e.offset, Some(sql.find("t;").unwrap()));

        // The quoted token appears earlier too, where it is fine.
        let sql = "select 1 as x;\nselect x x x;\n";
        let e = split(sql).unwrap_err();
        assert_eq!(e.offset, Some(sql.rfind("x;").unwrap()), "{e:?}");

        let sql = "select 1;\nselect 'abc;\nselect 3;";
        let e = split(sql).unwrap_err();
        assert!(e.message.starts_with("unterminated quoted string"), "{e:?}");
        assert!(e.message.len() < 100, "{e:?}");
        assert_eq!(e.offset, Some(sql.find('\'').unwrap()));

        let sql = "select 1;\ncreate table t (a int;\n";
        let e = split(sql).unwrap_err();
        assert_eq!(e.offset, Some(sql.rfind(';').unwrap()), "{e:?}");

        // Incomplete at the end: the error is placed at the statement's start.
        let sql = "select 1;\ncreate table t (a int\n";
        let e = split(sql).unwrap_err();
        assert!(e.message.ends_with("at end of input"), "{e:?}");
        assert_eq!(e.offset, Some(sql.find("create").unwrap()), "{e:?}");
    }
}
