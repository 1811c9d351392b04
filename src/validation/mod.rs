//! Validation: the published numbers the model is checked against, as data.
//!
//! `models/validation.toml` holds every target once: an id, the statement in the project's own
//! words, the measurable quantity and its unit, the scenario (a regimen, and a `compare`
//! regimen for the kinds that compare two runs), how the number is read ([`Measure`]), the
//! published range, the range the model is held to where it falls short (with the gap
//! named), the source and its confidence. `tests/validation.rs` and `opioid-sim validate` both
//! read it; neither holds a number of its own.
//!
//! A target **meets** its published range, or falls in a **known gap** (outside the published
//! range but inside the accepted one, which the file explains), or **fails** (outside both,
//! or the measurement could not be made). `validate` exits 1 when any target fails.

mod measure;
pub mod report;

use serde::{Deserialize, Serialize};

pub use measure::{Curve, Measure, Runs};

use crate::model::param::Confidence;
use crate::model::Model;
use crate::regimen::{parse_duration_h, Regimen};
use crate::toml_file::{self, FileError};

/// The validation targets shipped with the model.
pub const DEFAULT_TARGETS_TOML: &str = include_str!("../../models/validation.toml");

/// The file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    target: Vec<Target>,
}

/// One validation target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Short id: the REFERENCE.md target number, a dot and a letter (`1a`, `16b`).
    pub id: String,
    /// What is claimed, in a sentence.
    pub statement: String,
    /// What is measured, in words.
    pub quantity: String,
    /// The unit of the measured number (time units min, h and d convert time measures).
    pub unit: String,
    /// The regimen simulated.
    pub scenario: String,
    /// The regimen compared with, for the kinds that compare.
    pub compare: Option<String>,
    /// How long to simulate after the last dose, e.g. `24h`.
    pub observe: String,
    /// The sampling step, e.g. `1min` (default 1 min).
    pub dt: Option<String>,
    /// How the number is read.
    pub measure: Measure,
    /// The published range `[low, high]` (`inf` for no bound).
    pub published: [f64; 2],
    /// The range the model is held to when it misses the published one (a known gap, named in
    /// `gap`); absent when the model must meet the published range.
    pub accepted: Option<[f64; 2]>,
    /// Why the accepted range differs from the published one.
    pub gap: Option<String>,
    /// Where the published range comes from.
    pub source: String,
    /// How far the published range can be trusted.
    pub confidence: Confidence,
}

/// The verdict on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Inside the published range.
    Meets,
    /// Outside the published range, inside the accepted one: a gap the docs name.
    KnownGap,
    /// Outside every range, or not measurable.
    Fails,
}

impl Verdict {
    /// The word printed.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Meets => "meets",
            Verdict::KnownGap => "known gap",
            Verdict::Fails => "FAILS",
        }
    }
}

/// A target's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The target.
    pub target: Target,
    /// The measured number, in the target's unit (or why it could not be measured).
    pub value: Result<f64, String>,
    /// The verdict.
    pub verdict: Verdict,
    /// The scenario's curve of the measured column, for a chart.
    pub curve: Option<Curve>,
}

/// What can go wrong loading targets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TargetsError {
    /// The file does not parse.
    #[error(transparent)]
    File(#[from] FileError),
    /// A target is inconsistent.
    #[error("{origin}: target {id}: {problem}")]
    Invalid {
        /// The file.
        origin: String,
        /// The target id.
        id: String,
        /// What is wrong and what to do.
        problem: String,
    },
}

impl Target {
    /// The range the target is held to: the accepted one if set, else the published one.
    pub fn held_to(&self) -> [f64; 2] {
        self.accepted.unwrap_or(self.published)
    }

    /// Factor from the measure's internal unit to the target's unit.
    fn unit_factor(&self) -> f64 {
        if !self.measure.is_time() {
            return 1.0;
        }
        match self.unit.as_str() {
            "min" => 60.0,
            "d" => 1.0 / 24.0,
            _ => 1.0,
        }
    }

    fn check(&self, origin: &str) -> Result<(), TargetsError> {
        let bad = |problem: String| TargetsError::Invalid {
            origin: origin.to_string(),
            id: self.id.clone(),
            problem,
        };
        for (name, text) in [
            ("scenario", Some(&self.scenario)),
            ("compare", self.compare.as_ref()),
        ] {
            if let Some(text) = text {
                Regimen::parse(text).map_err(|e| bad(format!("{name}: {e}")))?;
            }
        }
        parse_duration_h(&self.observe).map_err(|e| bad(format!("observe: {e}")))?;
        if let Some(dt) = &self.dt {
            parse_duration_h(dt).map_err(|e| bad(format!("dt: {e}")))?;
        }
        if self.measure.needs_compare() != self.compare.is_some() {
            return Err(bad(if self.compare.is_some() {
                "this measure does not use `compare`; remove it".into()
            } else {
                "this measure compares two runs; add `compare = \"<regimen>\"`".into()
            }));
        }
        for (name, range) in [
            ("published", Some(self.published)),
            ("accepted", self.accepted),
        ] {
            if let Some([lo, hi]) = range {
                if lo.is_nan() || hi.is_nan() || lo > hi {
                    return Err(bad(format!(
                        "{name} = [{lo}, {hi}] is not a range; write [low, high] with low <= high"
                    )));
                }
            }
        }
        if self.accepted.is_some() != self.gap.is_some() {
            return Err(bad(
                "an `accepted` range needs a `gap` that explains it, and a `gap` needs an `accepted` range".into(),
            ));
        }
        Ok(())
    }

    /// Runs the target on `model`, whose text is `model_text` (the cohort kinds draw virtual
    /// people from it).
    pub fn run(&self, model: &Model, model_text: &str) -> Outcome {
        let measured = (|| {
            let scenario = Regimen::parse(&self.scenario).map_err(|e| e.to_string())?;
            let compare = self
                .compare
                .as_deref()
                .map(Regimen::parse)
                .transpose()
                .map_err(|e| e.to_string())?;
            let runs = Runs {
                model,
                model_text,
                scenario: &scenario,
                compare: compare.as_ref(),
                observe_h: parse_duration_h(&self.observe).map_err(|e| e.to_string())?,
                dt_h: match &self.dt {
                    Some(dt) => parse_duration_h(dt).map_err(|e| e.to_string())?,
                    None => 1.0 / 60.0,
                },
            };
            self.measure.evaluate(&runs)
        })();
        let (value, curve) = match measured {
            Ok((v, _)) if v.is_nan() => (
                Err("undefined: the measure divides zero by zero".to_string()),
                None,
            ),
            Ok((v, curve)) => (Ok(v * self.unit_factor()), curve),
            Err(e) => (Err(e), None),
        };
        let inside = |[lo, hi]: [f64; 2], v: f64| v >= lo && v <= hi;
        let verdict = match &value {
            Ok(v) if inside(self.published, *v) => Verdict::Meets,
            Ok(v) if self.accepted.is_some_and(|r| inside(r, *v)) => Verdict::KnownGap,
            _ => Verdict::Fails,
        };
        Outcome {
            target: self.clone(),
            value,
            verdict,
            curve,
        }
    }
}

/// Reads and checks a targets file; `origin` names it in errors.
pub fn targets_from_toml(text: &str, origin: &str) -> Result<Vec<Target>, TargetsError> {
    let file: TargetsFile = toml_file::parse(text, origin)?;
    let mut seen = std::collections::HashSet::new();
    for t in &file.target {
        t.check(origin)?;
        if !seen.insert(t.id.clone()) {
            return Err(TargetsError::Invalid {
                origin: origin.to_string(),
                id: t.id.clone(),
                problem: "the id is used twice; give each target its own".into(),
            });
        }
    }
    Ok(file.target)
}

/// The targets shipped in `models/validation.toml`.
pub fn default_targets() -> Result<Vec<Target>, TargetsError> {
    targets_from_toml(DEFAULT_TARGETS_TOML, "models/validation.toml")
}

/// Formats a number for the report and the terminal: 3 significant digits, `inf` as such.
pub fn format_value(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    crate::output::format_decimals(v, digits.min(6))
}

/// A range as `[lo, hi]`, `>= lo` or `<= hi`.
pub fn format_range([lo, hi]: [f64; 2]) -> String {
    match (lo.is_infinite(), hi.is_infinite()) {
        (true, true) => "any".into(),
        (true, false) => format!("<= {}", format_value(hi)),
        (false, true) => format!(">= {}", format_value(lo)),
        _ if lo >= 0.0 => format!("{}-{}", format_value(lo), format_value(hi)),
        _ => format!("{} to {}", format_value(lo), format_value(hi)),
    }
}
