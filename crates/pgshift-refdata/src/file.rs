//! Data files: reading `data/*.toml` and `data/*.json` into a [`DataSet`].
//!
//! Owns: the file format (one table per file: `table`, `key`, optional `defaults`, `rows` and
//! `rows_from` lists of external JSON), values (scalars, JSON for jsonb, `{ env = … }`,
//! `{ ref = … }`, `{ json = … }`, `{ null = true }` since TOML has no null), table names
//! resolved against the owned set, grouping the files of one table, and every check that needs no database: missing key columns, rows
//! lacking a column, duplicate natural keys, unset environment variables, foreign tables.
//!
//! Must not: talk to a database (types, columns and referenced rows are checked by `live`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use pgshift_catalog::QualName;
use serde_json::{Map, Value};

use crate::error::{RefError, RowRef};

/// One value of a declared row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// SQL NULL (JSON `null`).
    Null,
    /// A scalar in its text form (what PostgreSQL parses for the column's type).
    Text(String),
    /// A JSON array or object: the value of a json/jsonb column (or an array column).
    Json(Value),
    /// Another table's row, by its natural key; resolved in SQL at sync time.
    Ref(Reference),
}

/// `{ ref = "ttsmodel", slug = "kokoro" }`: a row of another table by its key columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The referenced table.
    pub table: QualName,
    /// Its key columns and their values (text), in column-name order.
    pub key: Vec<(String, String)>,
}

impl Reference {
    /// `public.ttsmodel (slug = "kokoro")`.
    pub fn describe(&self) -> String {
        let key: Vec<String> = self.key.iter().map(|(c, v)| format!("{c} = {}", Value::String(v.clone()))).collect();
        format!("{}.{} ({})", self.table.schema, self.table.name, key.join(", "))
    }
}

impl Cell {
    /// The value as the user reads it in messages: strings JSON-quoted, references spelled out.
    pub fn describe(&self) -> String {
        match self {
            Cell::Null => "null".to_owned(),
            Cell::Text(s) => Value::String(s.clone()).to_string(),
            Cell::Json(v) => v.to_string(),
            Cell::Ref(r) => format!("ref {}", r.describe()),
        }
    }
}

/// One declared row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Where it is declared (file, position, key).
    pub at: RowRef,
    /// Its values, aligned with [`TableData::columns`].
    pub cells: Vec<Cell>,
    /// The columns whose value is declared as `{ env = "NAME" }` (directly or as a reference's
    /// key), with the variable: values that may be secrets, which `seed freeze` never writes
    /// into a migration.
    pub env: Vec<(String, String)>,
}

/// Every declared row of one table, from one or more files.
#[derive(Clone, Debug, PartialEq)]
pub struct TableData {
    /// The table.
    pub table: QualName,
    /// The natural key columns.
    pub key: Vec<String>,
    /// The declared columns: the key columns first, then the others in order of first use.
    pub columns: Vec<String>,
    /// The rows, in file order.
    pub rows: Vec<Row>,
    /// The files declaring it.
    pub files: Vec<PathBuf>,
    /// The first row lacking a column that other rows set (its cell holds NULL meanwhile):
    /// reported by [`DataSet::complete`] after unknown columns, which explain it better.
    pub incomplete: Option<(RowRef, String)>,
}

impl TableData {
    /// The position of `column` in [`TableData::columns`].
    pub fn index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }
}

/// All reference data of a project, one entry per table, in table-name order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataSet {
    /// The tables.
    pub tables: Vec<TableData>,
}

impl DataSet {
    /// Every row gives every column of its table; else the first row that does not.
    pub fn complete(&self) -> Result<(), RefError> {
        match self.tables.iter().find_map(|t| t.incomplete.clone().map(|i| (t, i))) {
            None => Ok(()),
            Some((t, (row, column))) => Err(RefError::MissingColumn { row, table: t.table.clone(), column }),
        }
    }
}

/// What loading needs besides the directory.
pub struct LoadOptions<'a> {
    /// The tables this project owns: only these may be synced.
    pub owned: &'a BTreeSet<QualName>,
    /// How to read an environment variable (`std::env::var` in the CLI; a map in tests).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Read every `*.toml` and `*.json` file directly in `dir`, in file-name order. A `.json`
/// file whose top level is an array is a list for `rows_from`, not a data file, and is skipped.
pub fn load(dir: &Path, options: &LoadOptions<'_>) -> Result<DataSet, RefError> {
    let read_err = |source| RefError::Read { path: dir.to_owned(), source };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let p = entry.map_err(read_err)?.path();
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden || !matches!(p.extension().and_then(|e| e.to_str()), Some("toml" | "json")) {
            continue;
        }
        // Follows links: a dangling or looping one is an error naming it, never a skipped file.
        let meta = std::fs::metadata(&p).map_err(|source| RefError::Read { path: p.clone(), source })?;
        if meta.is_file() {
            paths.push(p);
        }
    }
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let doc = read_document(&path)?;
        if doc.is_array() {
            continue;
        }
        files.push(parse_file(&path, doc, options)?);
    }
    group(files)
}

/// A row as read: where it is (`row 3`), and its values by column.
type RawRow = (String, Map<String, Value>);

/// A row's values by column, in the order the file gives them.
type Cells = Vec<(String, Cell)>;

/// One parsed data file, before grouping by table.
struct FileData {
    path: PathBuf,
    table: QualName,
    key: Vec<String>,
    rows: Vec<(String, Cells, EnvColumns)>,
}

/// (column, variable) of the values a row takes from the environment.
type EnvColumns = Vec<(String, String)>;

/// The variable of an `{ env = "NAME" }` value, directly or as a key of a `{ ref = … }`.
fn env_var(value: &Value) -> Option<String> {
    let Value::Object(m) = value else { return None };
    match m.get("env") {
        Some(Value::String(var)) => Some(var.clone()),
        _ if m.contains_key("ref") => m.values().find_map(env_var),
        _ => None,
    }
}

fn read_document(path: &Path) -> Result<Value, RefError> {
    let text = std::fs::read_to_string(path).map_err(|source| RefError::Read { path: path.to_owned(), source })?;
    let format = |message: String| RefError::Format { path: path.to_owned(), message };
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| format(format!("not valid JSON: {e}")))
    } else {
        let table: toml::Table = toml::from_str(&text).map_err(|e| format(format!("not valid TOML: {e}")))?;
        toml_to_json(toml::Value::Table(table)).map_err(format)
    }
}

fn toml_to_json(value: toml::Value) -> Result<Value, String> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| format!("the float {f} has no JSON form; write it as a string"))?,
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect::<Result<_, _>>()?),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| Ok((k, toml_to_json(v)?))).collect::<Result<_, String>>()?)
        }
    })
}

const FILE_KEYS: &[&str] = &["table", "key", "defaults", "rows", "rows_from"];

fn parse_file(path: &Path, doc: Value, options: &LoadOptions<'_>) -> Result<FileData, RefError> {
    let format = |message: String| RefError::Format { path: path.to_owned(), message };
    let Value::Object(mut doc) = doc else {
        return Err(format("expected a table with `table`, `key` and `rows`".to_owned()));
    };
    if let Some(unknown) = doc.keys().find(|k| !FILE_KEYS.contains(&k.as_str())) {
        return Err(format(format!("unknown key `{unknown}` (a data file has: {})", FILE_KEYS.join(", "))));
    }
    let Some(Value::String(table_name)) = doc.remove("table") else {
        return Err(format("`table` (the table's name, e.g. table = \"plan\") is missing or not a string".to_owned()));
    };
    let table = resolve_table(&table_name, options.owned).map_err(|e| e.into_error(path, &table_name))?;
    let key = match doc.remove("key") {
        Some(Value::String(k)) => vec![k],
        Some(Value::Array(ks)) if !ks.is_empty() && ks.iter().all(Value::is_string) => {
            ks.into_iter().filter_map(|k| k.as_str().map(str::to_owned)).collect()
        }
        _ => return Err(format("`key` (the natural key: a column name or a list of them) is missing or malformed".to_owned())),
    };
    let defaults = match doc.remove("defaults") {
        None => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(format("`defaults` must be a table of column = value".to_owned())),
    };
    let mut raw: Vec<RawRow> = Vec::new();
    match doc.remove("rows") {
        None => {}
        Some(Value::Array(rows)) => {
            for (i, row) in rows.into_iter().enumerate() {
                let Value::Object(row) = row else {
                    return Err(format(format!("row {} is not a table of column = value", i + 1)));
                };
                raw.push((format!("row {}", i + 1), with_defaults(row, &defaults)));
            }
        }
        Some(_) => return Err(format("`rows` must be a list of tables ([[rows]])".to_owned())),
    }
    let sources = match doc.remove("rows_from") {
        None => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(v @ Value::Object(_)) => vec![v],
        Some(_) => return Err(format("`rows_from` must be a table (or a list of tables)".to_owned())),
    };
    for source in sources {
        raw.extend(rows_from(path, source, &defaults)?);
    }
    let mut rows = Vec::with_capacity(raw.len());
    for (origin, values) in raw {
        // Name the row by what it gives of its key (as written) for errors in its values.
        let described: Vec<String> = key
            .iter()
            .filter_map(|k| values.get(k).map(|v| format!("{k} = {}", Value::to_string(v))))
            .collect();
        let at = RowRef { file: path.to_owned(), origin, key: described.join(", ") };
        let mut cells = Vec::with_capacity(values.len());
        let mut env = Vec::new();
        for (column, value) in values {
            if let Some(var) = env_var(&value) {
                env.push((column.clone(), var));
            }
            let cell = to_cell(value, &at, &column, options)?;
            cells.push((column, cell));
        }
        rows.push((at.origin, cells, env));
    }
    Ok(FileData { path: path.to_owned(), table, key, rows })
}

fn with_defaults(row: Map<String, Value>, defaults: &Map<String, Value>) -> Map<String, Value> {
    let mut out = defaults.clone();
    out.extend(row);
    out
}

/// `rows_from = { file = "voices.json", columns = { slug = "name" }, set = { … } }`.
fn rows_from(
    path: &Path,
    source: Value,
    defaults: &Map<String, Value>,
) -> Result<Vec<RawRow>, RefError> {
    let format = |message: String| RefError::Format { path: path.to_owned(), message };
    let Value::Object(mut source) = source else {
        return Err(format("`rows_from` must be a table with `file` and `columns`".to_owned()));
    };
    if let Some(unknown) = source.keys().find(|k| !["file", "columns", "set"].contains(&k.as_str())) {
        return Err(format(format!("unknown key `{unknown}` in rows_from (it has: file, columns, set)")));
    }
    let Some(Value::String(file)) = source.remove("file") else {
        return Err(format("rows_from needs `file`, a JSON list relative to this file".to_owned()));
    };
    let Some(Value::Object(columns)) = source.remove("columns") else {
        return Err(format("rows_from needs `columns`, a table of column = \"field of each item\"".to_owned()));
    };
    let set = match source.remove("set") {
        None => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(format("rows_from's `set` must be a table of column = value".to_owned())),
    };
    let list_path = path.parent().unwrap_or(Path::new(".")).join(&file);
    let Value::Array(items) = read_document(&list_path)? else {
        return Err(RefError::Format { path: list_path, message: "expected a JSON list (of objects)".to_owned() });
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let origin = format!("{file}[{i}]");
        let Value::Object(mut item) = item else {
            return Err(RefError::Format { path: list_path, message: format!("item {i} is not an object") });
        };
        let mut row = with_defaults(set.clone(), defaults);
        for (column, field) in &columns {
            let Some(field) = field.as_str() else {
                return Err(format(format!("rows_from columns: the field for {column} must be a string")));
            };
            let value = item.remove(field).ok_or_else(|| RefError::Format {
                path: list_path.clone(),
                message: format!("item {i} has no field `{field}` (mapped to column {column} by {})", path.display()),
            })?;
            row.insert(column.clone(), value);
        }
        out.push((origin, row));
    }
    Ok(out)
}

fn to_cell(value: Value, at: &RowRef, column: &str, options: &LoadOptions<'_>) -> Result<Cell, RefError> {
    let bad = |message: String| RefError::BadValue { row: at.clone(), column: column.to_owned(), message };
    match value {
        Value::Null => Ok(Cell::Null),
        Value::String(s) => Ok(Cell::Text(s)),
        Value::Number(n) => Ok(Cell::Text(n.to_string())),
        Value::Bool(b) => Ok(Cell::Text(b.to_string())),
        Value::Array(_) => Ok(Cell::Json(value)),
        Value::Object(mut m) => {
            if m.contains_key("env") {
                return env_value(m, at, column, options);
            }
            if let Some(target) = m.remove("ref") {
                let Value::String(target) = target else {
                    return Err(bad("`ref` must name a table".to_owned()));
                };
                let table = resolve_table(&target, options.owned).or_else(|e| match e {
                    Resolve::Missing => Ok(qualify(&target)),
                    e => Err(e),
                });
                let table = table.map_err(|_| bad(format!("the referenced table {target} is ambiguous; qualify it")))?;
                if m.is_empty() {
                    return Err(bad(format!("the reference to {target} names no key column (e.g. slug = \"…\")")));
                }
                let mut key = Vec::with_capacity(m.len());
                for (k, v) in m {
                    match to_cell(v, at, &format!("{column}.{k}"), options)? {
                        Cell::Text(s) => key.push((k, s)),
                        _ => return Err(bad(format!("the reference's key {k} must be a scalar"))),
                    }
                }
                return Ok(Cell::Ref(Reference { table, key }));
            }
            if m.len() == 1 && m.get("null") == Some(&Value::Bool(true)) {
                return Ok(Cell::Null);
            }
            if m.len() == 1 {
                if let Some(v) = m.remove("json") {
                    return Ok(Cell::Json(v));
                }
            }
            Ok(Cell::Json(Value::Object(m)))
        }
    }
}

fn env_value(mut m: Map<String, Value>, at: &RowRef, column: &str, options: &LoadOptions<'_>) -> Result<Cell, RefError> {
    let bad = |message: String| RefError::BadValue { row: at.clone(), column: column.to_owned(), message };
    let Some(Value::String(var)) = m.remove("env") else {
        return Err(bad("`env` must name an environment variable".to_owned()));
    };
    let default = m.remove("default");
    if let Some(k) = m.keys().next() {
        return Err(bad(format!("unknown key `{k}` beside env (only `default` may be given)")));
    }
    match ((options.env)(&var), default) {
        (Some(v), _) => Ok(Cell::Text(v)),
        (None, Some(d @ (Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null))) => to_cell(d, at, column, options),
        (None, Some(_)) => Err(bad("an env value's `default` must be a scalar".to_owned())),
        (None, None) => Err(RefError::MissingEnv { row: at.clone(), column: column.to_owned(), var }),
    }
}

/// Why a table name did not resolve.
enum Resolve {
    Missing,
    Ambiguous(Vec<String>),
}

impl Resolve {
    fn into_error(self, path: &Path, table: &str) -> RefError {
        match self {
            Resolve::Missing => RefError::NotOwned { path: path.to_owned(), table: table.to_owned() },
            Resolve::Ambiguous(candidates) => {
                RefError::AmbiguousTable { path: path.to_owned(), table: table.to_owned(), candidates }
            }
        }
    }
}

/// `schema.name` as written, or `public.name`.
fn qualify(name: &str) -> QualName {
    match name.split_once('.') {
        Some((schema, name)) => QualName::new(schema, name),
        None => QualName::new("public", name),
    }
}

/// `name` (unique among owned tables) or `schema.name`, against the owned set.
fn resolve_table(name: &str, owned: &BTreeSet<QualName>) -> Result<QualName, Resolve> {
    if name.contains('.') {
        let q = qualify(name);
        return if owned.contains(&q) { Ok(q) } else { Err(Resolve::Missing) };
    }
    let matches: Vec<&QualName> = owned.iter().filter(|q| q.name == name).collect();
    match matches.as_slice() {
        [] => Err(Resolve::Missing),
        [one] => Ok((*one).clone()),
        many => Err(Resolve::Ambiguous(many.iter().map(|q| format!("{}.{}", q.schema, q.name)).collect())),
    }
}

/// Group files by table: one key per table, every row with every column, no duplicate key.
fn group(files: Vec<FileData>) -> Result<DataSet, RefError> {
    let mut tables: BTreeMap<QualName, TableData> = BTreeMap::new();
    let mut first_file: BTreeMap<QualName, PathBuf> = BTreeMap::new();
    let mut raw_rows: BTreeMap<QualName, Vec<(RowRef, Cells, EnvColumns)>> = BTreeMap::new();
    for file in files {
        if let Some(existing) = tables.get_mut(&file.table) {
            if existing.key != file.key {
                return Err(RefError::KeyMismatch {
                    path: file.path,
                    table: file.table.clone(),
                    key: file.key,
                    other: first_file[&file.table].clone(),
                    other_key: existing.key.clone(),
                });
            }
            existing.files.push(file.path.clone());
        } else {
            first_file.insert(file.table.clone(), file.path.clone());
            tables.insert(
                file.table.clone(),
                TableData {
                    table: file.table.clone(),
                    key: file.key.clone(),
                    columns: file.key.clone(),
                    rows: Vec::new(),
                    files: vec![file.path.clone()],
                    incomplete: None,
                },
            );
        }
        let table = tables.get_mut(&file.table).expect("inserted above");
        let list = raw_rows.entry(file.table.clone()).or_default();
        for (origin, cells, env) in file.rows {
            for (column, _) in &cells {
                if !table.columns.contains(column) {
                    table.columns.push(column.clone());
                }
            }
            let key: Vec<String> = table
                .key
                .iter()
                .filter_map(|k| cells.iter().find(|(c, _)| c == k).map(|(_, v)| format!("{k} = {}", v.describe())))
                .collect();
            let at = RowRef { file: file.path.clone(), origin, key: key.join(", ") };
            list.push((at, cells, env));
        }
    }
    for (name, table) in tables.iter_mut() {
        let raw = raw_rows.remove(name).unwrap_or_default();
        table.rows.reserve(raw.len());
        // Each key, by its text, to the first row that has it.
        let mut seen: HashMap<Vec<String>, usize> = HashMap::with_capacity(raw.len());
        for (at, mut cells, env) in raw {
            let mut aligned = Vec::with_capacity(table.columns.len());
            for column in &table.columns {
                let Some(i) = cells.iter().position(|(c, _)| c == column) else {
                    if table.key.contains(column) {
                        return Err(RefError::MissingKey { row: at, column: column.clone() });
                    }
                    table.incomplete.get_or_insert_with(|| (at.clone(), column.clone()));
                    aligned.push(Cell::Null);
                    continue;
                };
                aligned.push(cells.swap_remove(i).1);
            }
            for (k, cell) in table.key.iter().zip(&aligned) {
                if *cell == Cell::Null {
                    return Err(RefError::BadValue { row: at, column: k.clone(), message: "a key column cannot be null".to_owned() });
                }
            }
            let key: Vec<String> = aligned[..table.key.len()].iter().map(Cell::describe).collect();
            if let Some(&other) = seen.get(&key) {
                return Err(RefError::DuplicateKey { row: at, other: table.rows[other].at.clone() });
            }
            seen.insert(key, table.rows.len());
            table.rows.push(Row { at, cells: aligned, env });
        }
    }
    Ok(DataSet { tables: tables.into_values().collect() })
}
