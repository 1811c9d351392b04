//! The per-subject table of a cohort: one row per subject (its number, its drawn parameters,
//! its [`Summary`] fields), with what produced it, and its CSV file.
//!
//! The CSV file is what `cohort --out` writes and `cohort merge` reads back. It starts with
//! `#` lines that say what produced it (seed, cohort size, regimen, observation window, model
//! and a hash of the model text, and for a slice the shard), then a header and one row per
//! subject. Numbers are written in the shortest form that reads back to the same binary value,
//! so a merged cohort's statistics are those of one run, to the last bit.
//!
//! ```text
//! # opioid-sim cohort
//! # seed: 7
//! # subjects: 1000
//! # regimen: 10 mg heroin iv q8h x 14d
//! # observe_h: 240
//! # model: heroin 5f0c2a1e9b3d4c77
//! subject,species.morphine.clearance,...,peak_withdrawal_score,...
//! 1,81.2,...,19.5,...
//! ```

use std::fmt::Write as _;

use serde::de::{MapAccess, Visitor};
use serde::Deserialize;

use crate::simulation::Summary;

/// What produced a cohort table; two slices of one cohort have the same.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortMeta {
    /// The seed.
    pub seed: u64,
    /// How many subjects the whole cohort has.
    pub subjects: u64,
    /// The regimen as written (normalised).
    pub regimen: String,
    /// Observation window after the last dose (h).
    pub observe_h: f64,
    /// The model's name and a hash of its text.
    pub model: String,
}

/// One value of a subject's summary.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number.
    Num(f64),
    /// No value (e.g. no withdrawal onset).
    Null,
    /// Yes or no.
    Bool(bool),
    /// A name, e.g. a band.
    Text(String),
}

/// One subject.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectRow {
    /// The subject's number, from 1.
    pub subject: u64,
    /// The drawn values of the variable parameters, in [`CohortTable::params`] order.
    pub params: Vec<f64>,
    /// The summary fields, in [`CohortTable::fields`] order.
    pub fields: Vec<Cell>,
}

/// A cohort (or a slice of one): what produced it, the column names, and the rows in subject
/// order.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortTable {
    /// What produced it.
    pub meta: CohortMeta,
    /// The slice, `(k, n)` for shard k of n; `None` for a whole cohort.
    pub shard: Option<(u64, u64)>,
    /// Names of the variable parameters.
    pub params: Vec<String>,
    /// Names of the summary fields.
    pub fields: Vec<String>,
    /// One row per subject, by subject number.
    pub rows: Vec<SubjectRow>,
}

/// A summary's fields in declaration order, as cells; the regimen text, which is the
/// cohort's and not the subject's, is left out.
pub fn summary_cells(summary: &Summary) -> Vec<(String, Cell)> {
    let json = serde_json::to_string(summary).unwrap_or_default();
    let Ok(Ordered(fields)) = serde_json::from_str::<Ordered>(&json) else {
        return Vec::new();
    };
    fields
        .into_iter()
        .filter(|(name, _)| name != "regimen")
        .map(|(name, value)| {
            let cell = match value {
                serde_json::Value::Number(n) => n.as_f64().map_or(Cell::Null, Cell::Num),
                serde_json::Value::Bool(b) => Cell::Bool(b),
                serde_json::Value::String(s) => Cell::Text(s),
                _ => Cell::Null,
            };
            (name, cell)
        })
        .collect()
}

/// A JSON object's fields in the order written (`serde_json::Value` sorts them).
struct Ordered(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    fields.push(entry);
                }
                Ok(Ordered(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// What can be wrong with a cohort file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}: {problem}", if *.line > 0 { format!(", line {}", .line) } else { String::new() })]
pub struct TableError {
    /// The file, as named on the command line.
    pub file: String,
    /// 1-based line; 0 for a problem of the whole set of files.
    pub line: usize,
    /// What is wrong and what is expected.
    pub problem: String,
}

const MAGIC: &str = "# opioid-sim cohort";

impl CohortTable {
    /// The CSV text of the table (see the module docs).
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let m = &self.meta;
        let _ = writeln!(out, "{MAGIC}");
        let _ = writeln!(out, "# seed: {}", m.seed);
        let _ = writeln!(out, "# subjects: {}", m.subjects);
        let _ = writeln!(out, "# regimen: {}", m.regimen);
        let _ = writeln!(out, "# observe_h: {}", m.observe_h);
        let _ = writeln!(out, "# model: {}", m.model);
        if let Some((k, n)) = self.shard {
            let _ = writeln!(out, "# shard: {k}/{n}");
        }
        out.push_str("subject");
        for name in self.params.iter().chain(&self.fields) {
            out.push(',');
            out.push_str(name);
        }
        out.push('\n');
        for row in &self.rows {
            let _ = write!(out, "{}", row.subject);
            for v in &row.params {
                let _ = write!(out, ",{v}");
            }
            for cell in &row.fields {
                match cell {
                    Cell::Num(v) => {
                        let _ = write!(out, ",{v}");
                    }
                    Cell::Null => out.push(','),
                    Cell::Bool(b) => {
                        let _ = write!(out, ",{b}");
                    }
                    Cell::Text(t) => {
                        let _ = write!(out, ",{t}");
                    }
                }
            }
            out.push('\n');
        }
        out
    }

    /// Reads a table written by [`CohortTable::to_csv`]; `file` names it in errors. Every row
    /// must have every column, subjects must be within the cohort and in increasing order.
    pub fn from_csv(text: &str, file: &str) -> Result<CohortTable, TableError> {
        let err = |line: usize, problem: String| TableError {
            file: file.to_string(),
            line,
            problem,
        };
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        match lines.next() {
            Some((_, MAGIC)) => {}
            _ => {
                return Err(err(
                    1,
                    format!("not a cohort file: it must start with \"{MAGIC}\" (written by opioid-sim cohort --out)"),
                ))
            }
        }
        let mut seed = None;
        let mut subjects = None;
        let mut regimen = None;
        let mut observe_h = None;
        let mut model = None;
        let mut shard = None;
        let mut header = None;
        for (n, line) in lines.by_ref() {
            let Some(rest) = line.strip_prefix("# ") else {
                header = Some((n, line));
                break;
            };
            let Some((key, value)) = rest.split_once(": ") else {
                return Err(err(n, "expected \"# key: value\"".into()));
            };
            let number = |what: &str| {
                value.parse::<u64>().map_err(|_| {
                    err(
                        n,
                        format!("{what} \"{}\" is not a whole number", clip(value)),
                    )
                })
            };
            match key {
                "seed" => seed = Some(number("seed")?),
                "subjects" => subjects = Some(number("subjects")?),
                "regimen" => regimen = Some(value.to_string()),
                "observe_h" => {
                    observe_h = Some(
                        value
                            .parse::<f64>()
                            .ok()
                            .filter(|v| v.is_finite())
                            .ok_or_else(|| {
                                err(n, format!("observe_h \"{}\" is not a number", clip(value)))
                            })?,
                    )
                }
                "model" => model = Some(value.to_string()),
                "shard" => shard = Some(parse_shard(value).map_err(|e| err(n, e))?),
                _ => return Err(err(n, format!("unknown key \"{}\"", clip(key)))),
            }
        }
        let missing = |what: &str| err(1, format!("the \"# {what}:\" line is missing"));
        let meta = CohortMeta {
            seed: seed.ok_or_else(|| missing("seed"))?,
            subjects: subjects.ok_or_else(|| missing("subjects"))?,
            regimen: regimen.ok_or_else(|| missing("regimen"))?,
            observe_h: observe_h.ok_or_else(|| missing("observe_h"))?,
            model: model.ok_or_else(|| missing("model"))?,
        };
        let (header_line, header) =
            header.ok_or_else(|| err(1, "the header row is missing".into()))?;
        let columns: Vec<&str> = header.split(',').collect();
        if columns.first() != Some(&"subject") {
            return Err(err(
                header_line,
                "the header must start with \"subject\"".into(),
            ));
        }
        // Parameter columns are dotted paths into the model file; summary fields are not.
        let params: Vec<String> = columns[1..]
            .iter()
            .take_while(|c| c.contains('.'))
            .map(|c| c.to_string())
            .collect();
        let fields: Vec<String> = columns[1 + params.len()..]
            .iter()
            .map(|c| c.to_string())
            .collect();
        let mut rows: Vec<SubjectRow> = Vec::new();
        for (n, line) in lines {
            if line.is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split(',').collect();
            if cells.len() != columns.len() {
                return Err(err(
                    n,
                    format!(
                        "{} values, expected {} (one per column of the header)",
                        cells.len(),
                        columns.len()
                    ),
                ));
            }
            let subject = cells[0]
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=meta.subjects).contains(s))
                .ok_or_else(|| {
                    err(
                        n,
                        format!(
                            "subject \"{}\" is not a number from 1 to {}",
                            clip(cells[0]),
                            meta.subjects
                        ),
                    )
                })?;
            if rows.last().is_some_and(|r| r.subject >= subject) {
                return Err(err(
                    n,
                    format!("subject {subject} is out of order or repeated"),
                ));
            }
            let mut values = Vec::with_capacity(params.len());
            for (name, cell) in params.iter().zip(&cells[1..]) {
                let v = cell
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| err(n, format!("{name}: \"{}\" is not a number", clip(cell))))?;
                values.push(v);
            }
            let fields_cells = cells[1 + params.len()..]
                .iter()
                .map(|c| match *c {
                    "" => Cell::Null,
                    "true" => Cell::Bool(true),
                    "false" => Cell::Bool(false),
                    c => match c.parse::<f64>() {
                        Ok(v) if v.is_finite() => Cell::Num(v),
                        _ => Cell::Text(c.to_string()),
                    },
                })
                .collect();
            rows.push(SubjectRow {
                subject,
                params: values,
                fields: fields_cells,
            });
        }
        Ok(CohortTable {
            meta,
            shard,
            params,
            fields,
            rows,
        })
    }

    /// Joins the slices of one cohort into the whole: the same seed, size, regimen, window,
    /// model and columns, and together every subject exactly once.
    pub fn merge(parts: Vec<(String, CohortTable)>) -> Result<CohortTable, TableError> {
        let mut parts = parts.into_iter();
        let Some((first_file, mut whole)) = parts.next() else {
            return Err(TableError {
                file: "cohort merge".into(),
                line: 0,
                problem: "no files given".into(),
            });
        };
        for (file, part) in parts {
            let mismatch = |what: &str| TableError {
                file: file.clone(),
                line: 1,
                problem: format!(
                    "its {what} differs from {first_file}'s: these are not slices of one cohort"
                ),
            };
            if part.meta.seed != whole.meta.seed {
                return Err(mismatch("seed"));
            }
            if part.meta.subjects != whole.meta.subjects {
                return Err(mismatch("number of subjects"));
            }
            if part.meta.regimen != whole.meta.regimen {
                return Err(mismatch("regimen"));
            }
            if part.meta.observe_h != whole.meta.observe_h {
                return Err(mismatch("observation window"));
            }
            if part.meta.model != whole.meta.model {
                return Err(mismatch("model"));
            }
            if part.params != whole.params || part.fields != whole.fields {
                return Err(mismatch("header"));
            }
            whole.rows.extend(part.rows);
        }
        whole.rows.sort_by_key(|r| r.subject);
        let whole_error = |problem: String| TableError {
            file: "cohort merge".into(),
            line: 0,
            problem,
        };
        if let Some(w) = whole.rows.windows(2).find(|w| w[0].subject == w[1].subject) {
            return Err(whole_error(format!(
                "subject {} is in more than one file (give each shard once)",
                w[0].subject
            )));
        }
        for (expected, row) in (1..).zip(&whole.rows) {
            if row.subject != expected {
                return Err(whole_error(format!(
                    "subject {expected} is in none of the files (run its shard)"
                )));
            }
        }
        if (whole.rows.len() as u64) < whole.meta.subjects {
            return Err(whole_error(format!(
                "subjects {} to {} are in none of the files (run their shards)",
                whole.rows.len() + 1,
                whole.meta.subjects
            )));
        }
        whole.shard = None;
        Ok(whole)
    }
}

/// Reads `K/N`: shard K (from 1) of N.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || {
        format!(
            "shard \"{}\" is not allowed; expected K/N with 1 <= K <= N, e.g. 2/4 (the second of four slices)",
            clip(text)
        )
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n) = (
        k.trim().parse::<u64>().map_err(|_| bad())?,
        n.trim().parse::<u64>().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The subjects of shard `k` of `n` in a cohort of `subjects`: contiguous, together all of
/// them, sizes differing by at most one.
pub fn shard_subjects(subjects: u64, shard: Option<(u64, u64)>) -> std::ops::RangeInclusive<u64> {
    match shard {
        None => 1..=subjects,
        Some((k, n)) => {
            let start = (k - 1) * subjects / n + 1;
            let end = k * subjects / n;
            start..=end
        }
    }
}

/// At most 40 characters of user text, for messages.
fn clip(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() {
        format!("{head}...")
    } else {
        head
    }
}
