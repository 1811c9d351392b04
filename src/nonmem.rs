//! Dataset exchange in the NONMEM convention that NONMEM, mrgsolve, rxode2 and Monolix share.
//!
//! # Writing (`simulate --format nonmem`)
//!
//! One CSV row per event, sorted by `ID` and `TIME`: a dose record (`EVID = 1`, `MDV = 1`) for
//! each dose, then the observation records (`EVID = 0`, `MDV = 0`) of the output grid; at one
//! time, the dose comes first (the observation is taken just after it, as in `simulate`).
//!
//! | Column | Meaning |
//! |---|---|
//! | `ID` | subject (1 for `--regimen`; the file's IDs for `--doses`) |
//! | `TIME` | hours from the start |
//! | `AMT` | dose in mg (0 on observation records) |
//! | `CMT` | the model compartment the dose enters (1-based state number: a depot, or the central compartment of the drug for `iv`); 0 on observation records |
//! | `EVID`, `MDV` | 1, 1 for doses; 0, 0 for observations |
//! | `DV` | MOR activation (0-1) on observation records, the model's primary output; `.` on doses |
//! | `DRUG`, `ROUTE` | the dose's drug and route (`.` on observations) |
//! | then | every `simulate` column by name (`heroin_ng_ml`, ..., `withdrawal_score`; `.` on doses) |
//!
//! # Reading (`--doses FILE.csv`)
//!
//! A dosing record per row, with a header. Columns honoured: `ID`, `TIME` (h, not negative),
//! `AMT` (mg), and either `DRUG` and `ROUTE` or `CMT` (a compartment number as written above;
//! refused when several routes enter that compartment), and optionally `II` (h) with `ADDL`
//! (additional doses every `II`), `EVID` (1 for a dose; 0 marks an observation record, which is
//! skipped because `simulate` samples on its own grid), `MDV` and `DV` (read and not used).
//! Any other column, and any value this reader does not implement (`EVID` 2-4, a non-zero `SS`
//! or `RATE`, `ADDL` without `II`), is refused with a one-line error naming the line, the
//! column and what to do, never ignored. Each ID becomes a regimen (doses in time order, joined
//! by waits), so every limit of the regimen grammar holds; records of one ID must not overlap
//! a previous record's `ADDL` doses.

use std::fmt::Write as _;

use crate::dose::Route;
use crate::model::Model;
use crate::output::format_number;
use crate::regimen::Regimen;
use crate::simulation::{dose_input, Trajectory};

/// The largest dosing file read, in rows (records).
pub const MAX_RECORDS: usize = 100_000;

/// A dosing file that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct DosesError {
    /// The file.
    pub origin: String,
    /// 1-based line (1 is the header).
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// The columns a dosing file may have.
const ACCEPTED: [&str; 11] = [
    "ID", "TIME", "AMT", "CMT", "DRUG", "ROUTE", "II", "ADDL", "EVID", "MDV", "DV",
];
/// Columns of the convention this reader refuses when they hold anything but 0 or `.`.
const REFUSED_UNLESS_ZERO: [&str; 2] = ["SS", "RATE"];

/// The compartment (1-based state number) a dose of `drug` by `route` enters, if the model
/// has that route for that drug.
pub fn dose_compartment(model: &Model, drug: &str, route: Route) -> Option<usize> {
    let dose = crate::dose::Dose {
        time_h: 0.0,
        amount_mg: 1.0,
        drug: drug.to_string(),
        route,
    };
    dose_input(model, &dose).ok().map(|i| i.state + 1)
}

/// The rows of one subject, appended to `out` (which starts with [`header`]).
pub fn write_subject(
    out: &mut String,
    id: &str,
    traj: &Trajectory,
    regimen: &Regimen,
    model: &Model,
) {
    let names = traj.column_names();
    let activation = names
        .iter()
        .position(|n| n == "mor_activation")
        .unwrap_or(0);
    let mut doses = regimen.doses().iter().peekable();
    for i in 0..traj.len() {
        let t = traj.time_h[i];
        while let Some(d) = doses.next_if(|d| d.time_h <= t + 1e-9) {
            let cmt = dose_compartment(model, &d.drug, d.route).unwrap_or(0);
            let _ = write!(
                out,
                "{id},{},{},{cmt},1,1,.,{},{}",
                format_number(d.time_h),
                format_number(d.amount_mg),
                d.drug,
                d.route
            );
            for _ in 1..names.len() {
                out.push_str(",.");
            }
            out.push('\n');
        }
        let dv = traj.value(activation, i).map_or(".".into(), format_number);
        let _ = write!(out, "{id},{},0,0,0,0,{dv},.,.", format_number(t));
        for j in 1..names.len() {
            out.push(',');
            match traj.value(j, i) {
                Some(v) => out.push_str(&format_number(v)),
                None => out.push('.'),
            }
        }
        out.push('\n');
    }
}

/// The header row of a NONMEM-style output for `traj`'s columns.
pub fn header(traj: &Trajectory) -> String {
    let mut h = "ID,TIME,AMT,CMT,EVID,MDV,DV,DRUG,ROUTE".to_string();
    for name in traj.column_names().iter().skip(1) {
        h.push(',');
        h.push_str(name);
    }
    h.push('\n');
    h
}

/// One dose record, read.
#[derive(Debug, Clone, PartialEq)]
struct Record {
    line: usize,
    time_h: f64,
    amount_mg: f64,
    drug: String,
    route: Route,
    interval_h: f64,
    additional: usize,
}

/// Reads a dosing file: one regimen per ID, in the order the IDs first appear.
pub fn read_doses(
    text: &str,
    origin: &str,
    model: &Model,
) -> Result<Vec<(String, Regimen)>, DosesError> {
    let err = |line: usize, message: String| DosesError {
        origin: origin.to_string(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| {
        err(
            1,
            "the file is empty; it needs a header row such as ID,TIME,AMT,DRUG,ROUTE".into(),
        )
    })?;
    let columns: Vec<String> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_uppercase())
        .collect();
    for c in &columns {
        if !ACCEPTED.contains(&c.as_str()) && !REFUSED_UNLESS_ZERO.contains(&c.as_str()) {
            return Err(err(
                1,
                format!(
                    "column {c} is not read by opioid-sim; the columns it reads are {} (SS and RATE only as 0); remove the others",
                    ACCEPTED.join(", ")
                ),
            ));
        }
    }
    let index = |name: &str| columns.iter().position(|c| c == name);
    for required in ["ID", "TIME", "AMT"] {
        if index(required).is_none() {
            return Err(err(1, format!("the header has no {required} column; a dosing file needs ID, TIME, AMT and either DRUG and ROUTE or CMT")));
        }
    }
    if index("CMT").is_none() && (index("DRUG").is_none() || index("ROUTE").is_none()) {
        return Err(err(
            1,
            "the header needs DRUG and ROUTE columns, or a CMT column".into(),
        ));
    }
    let mut subjects: Vec<(String, Vec<Record>)> = Vec::new();
    for (count, (n, row)) in lines.enumerate() {
        let line = n + 1;
        if count >= MAX_RECORDS {
            return Err(err(
                line,
                format!("more than {MAX_RECORDS} records; split the file"),
            ));
        }
        let fields: Vec<&str> = row.split(',').map(|f| f.trim().trim_matches('"')).collect();
        if fields.len() != columns.len() {
            return Err(err(
                line,
                format!(
                    "{} fields, but the header has {} columns",
                    fields.len(),
                    columns.len()
                ),
            ));
        }
        let field = |name: &str| {
            index(name)
                .map(|i| fields[i])
                .filter(|v| !v.is_empty() && *v != ".")
        };
        let number = |name: &str| -> Result<Option<f64>, DosesError> {
            match field(name) {
                None => Ok(None),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Some)
                    .ok_or_else(|| err(line, format!("{name} = {v:?} is not a number"))),
            }
        };
        for name in REFUSED_UNLESS_ZERO {
            if let Some(v) = number(name)? {
                if v != 0.0 {
                    return Err(err(line, format!("{name} = {v} is not implemented (opioid-sim gives bolus doses into a drug-naive start); remove the record or set {name} to 0")));
                }
            }
        }
        match number("EVID")? {
            None | Some(1.0) => {}
            Some(0.0) => continue,
            Some(v) => {
                return Err(err(line, format!("EVID = {v} is not implemented; opioid-sim reads dose records (EVID 1) and skips observation records (EVID 0)")));
            }
        }
        let id = field("ID")
            .ok_or_else(|| err(line, "ID is empty".into()))?
            .to_string();
        let time_h = number("TIME")?.ok_or_else(|| err(line, "TIME is empty".into()))?;
        if time_h < 0.0 {
            return Err(err(
                line,
                format!("TIME = {time_h} is negative; times are hours from the start, 0 or more"),
            ));
        }
        let amount_mg =
            number("AMT")?.ok_or_else(|| err(line, "AMT is empty; give the dose in mg".into()))?;
        let (drug, route) = match (field("DRUG"), field("ROUTE")) {
            (Some(drug), Some(route)) => {
                let route: Route = route
                    .parse()
                    .map_err(|e| err(line, format!("ROUTE: {e}")))?;
                (drug.to_ascii_lowercase(), route)
            }
            _ => {
                let cmt = number("CMT")?
                    .ok_or_else(|| err(line, "give DRUG and ROUTE, or CMT".into()))?;
                drug_route_of(model, cmt).map_err(|m| err(line, m))?
            }
        };
        let interval_h = number("II")?.unwrap_or(0.0);
        let additional = number("ADDL")?.unwrap_or(0.0);
        if additional < 0.0 || additional.fract() != 0.0 {
            return Err(err(
                line,
                format!("ADDL = {additional} must be a whole number, 0 or more"),
            ));
        }
        if additional > 0.0 && interval_h <= 0.0 {
            return Err(err(
                line,
                "ADDL needs an interval II above 0 (hours between doses)".into(),
            ));
        }
        if additional > crate::regimen::MAX_DOSES as f64 {
            return Err(err(
                line,
                format!(
                    "ADDL = {additional} is more than the limit of {} doses",
                    crate::regimen::MAX_DOSES
                ),
            ));
        }
        let record = Record {
            line,
            time_h,
            amount_mg,
            drug,
            route,
            interval_h,
            additional: additional as usize,
        };
        match subjects.iter_mut().find(|(s, _)| *s == id) {
            Some((_, records)) => records.push(record),
            None => subjects.push((id, vec![record])),
        }
    }
    if subjects.is_empty() {
        return Err(err(1, "the file has no dose records".into()));
    }
    subjects
        .into_iter()
        .map(|(id, records)| {
            let regimen =
                regimen_of(&records).map_err(|(line, m)| err(line, format!("ID {id}: {m}")))?;
            Ok((id, regimen))
        })
        .collect()
}

/// The drug and route whose doses enter compartment `cmt`, if exactly one does.
fn drug_route_of(model: &Model, cmt: f64) -> Result<(String, Route), String> {
    let mut found = Vec::new();
    for drug in model.drug_names() {
        for route in Route::ALL {
            if dose_compartment(model, drug, route).map(|c| c as f64) == Some(cmt) {
                found.push((drug.to_string(), route));
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!("CMT = {cmt} is not a compartment doses enter in this model; give DRUG and ROUTE instead")),
        _ => Err(format!(
            "CMT = {cmt} is where doses of {} enter; give DRUG and ROUTE columns to say which",
            found.iter().map(|(d, r)| format!("{d} {r}")).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// One subject's records as regimen text, then parsed: the records' doses (with their `ADDL`
/// doses) in time order, joined by waits, with runs of three or more equal doses at a constant
/// interval written as a repeat (so that long records stay within the grammar's text limit and
/// read back as the regimen a person would type).
fn regimen_of(records: &[Record]) -> Result<Regimen, (usize, String)> {
    struct Event<'a> {
        time_h: f64,
        record: &'a Record,
    }
    let mut events: Vec<Event<'_>> = Vec::new();
    for r in records {
        for k in 0..=r.additional {
            events.push(Event {
                time_h: r.time_h + r.interval_h * k as f64,
                record: r,
            });
            if events.len() > crate::regimen::MAX_DOSES {
                return Err((
                    r.line,
                    format!("more than {} doses", crate::regimen::MAX_DOSES),
                ));
            }
        }
    }
    events.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
    let same = |a: &Record, b: &Record| {
        a.amount_mg == b.amount_mg && a.drug == b.drug && a.route == b.route
    };
    let mut text = String::new();
    let mut clock = 0.0;
    let mut i = 0;
    while i < events.len() {
        let first = &events[i];
        // The longest run of equal doses at one interval starting here.
        let mut n = 1;
        if i + 1 < events.len() && same(first.record, events[i + 1].record) {
            let gap = events[i + 1].time_h - first.time_h;
            if gap > 0.0 {
                n = 2;
                while i + n < events.len()
                    && same(first.record, events[i + n].record)
                    && ((events[i + n].time_h - events[i + n - 1].time_h) - gap).abs() <= 1e-6
                {
                    n += 1;
                }
            }
        }
        if first.time_h > clock + 1e-9 {
            let _ = write!(text, "wait {}h then ", format_number(first.time_h - clock));
        }
        let r = first.record;
        let dose = format!("{}mg {} {}", format_number(r.amount_mg), r.drug, r.route);
        if n >= 3 {
            // n - 1 doses as a repeat that ends where the last one is taken, then the last.
            let gap = events[i + 1].time_h - first.time_h;
            let _ = write!(
                text,
                "{dose} q{}h x {} then {dose} then ",
                format_number(gap),
                n - 1
            );
            clock = first.time_h + gap * (n - 1) as f64;
            i += n;
        } else {
            let _ = write!(text, "{dose} then ");
            clock = first.time_h;
            i += 1;
        }
    }
    let line = records.last().map_or(1, |r| r.line);
    let text = text.trim_end_matches(" then ");
    Regimen::parse(text).map_err(|e| (line, format!("{e} (as the regimen \"{}\")", shorten(text))))
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text.to_string()
    }
}
