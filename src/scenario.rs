//! Scenario files: a named regimen with a description and an observation window, for lessons and
//! for plans too long to type.
//!
//! ```toml
//! title = "Two weeks of use, then stop"
//! description = "10 mg heroin IV every 8 hours for 14 days, then abrupt stop."
//! regimen = "10mg iv q8h x 14d"      # or: phases = ["10mg iv q8h x 14d", "wait 21d", "10mg iv"]
//! observe = "10d"                    # optional: time to simulate after the last dose
//! ```
//!
//! A scenario may also offer doses after its regimen (use that follows wanting, issue 11): each
//! offered dose is taken with a probability that rises with craving at that moment
//! ([`crate::simulation::run_offered`]). Such scenarios run in cohorts only
//! (`opioid-sim cohort --scenario first-use`), and say what they follow:
//!
//! ```toml
//! regimen = "10mg iv then wait 1d"     # the first dose is given
//! offered = "10mg iv q24h x 55d"       # offers, timed from the end of the regimen
//! track = "first-use"                  # or "relapse": what the cohort reports
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::regimen::{parse_duration_h, Regimen, RegimenError};
use crate::toml_file::{self, FileError};

/// What can go wrong when loading a scenario.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// The file cannot be read or parsed (with line and column).
    #[error(transparent)]
    File(#[from] FileError),
    /// Neither or both of `regimen` and `phases`.
    #[error("{origin}: give exactly one of `regimen = \"...\"` or `phases = [\"...\", ...]`")]
    RegimenMissing {
        /// File name.
        origin: String,
    },
    /// A title or description longer than its limit.
    #[error(
        "{origin}: {field} is {chars} characters long, more than the limit of {max}; shorten it"
    )]
    TextTooLong {
        /// File name.
        origin: String,
        /// `title` or `description`.
        field: &'static str,
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// Neither a scenario file nor the name of a built-in scenario.
    #[error(
        "no scenario file {given} and no built-in scenario of that name; built-in scenarios: {}",
        BUILT_IN.map(|(name, _)| name).join(", ")
    )]
    NotFound {
        /// The path or name given.
        given: String,
    },
    /// `offered` without `track`, or `track` without `offered`.
    #[error("{origin}: `offered` and `track` go together: offered = \"10mg iv q24h x 55d\" with track = \"first-use\" or \"relapse\"")]
    Offers {
        /// File name.
        origin: String,
    },
    /// The regimen text or the observation window does not parse.
    #[error("{origin}: {field}: {error}")]
    Regimen {
        /// File name.
        origin: String,
        /// `regimen`, `phases`, `offered` or `observe`.
        field: &'static str,
        /// The parser's error (part of this error's message, not a separate cause, so that
        /// it is printed once).
        error: RegimenError,
    },
}

/// The longest title, in characters (it is a chart's heading).
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;

/// The scenarios shipped in `models/scenarios/`, embedded in the binary so that
/// `--scenario two-weeks-then-stop` works by name from anywhere. A test checks that this
/// table lists every file in that folder.
pub const BUILT_IN: [(&str, &str); 11] = [
    (
        "single-dose",
        include_str!("../models/scenarios/single-dose.toml"),
    ),
    (
        "two-weeks-then-stop",
        include_str!("../models/scenarios/two-weeks-then-stop.toml"),
    ),
    (
        "relapse-after-abstinence",
        include_str!("../models/scenarios/relapse-after-abstinence.toml"),
    ),
    ("taper", include_str!("../models/scenarios/taper.toml")),
    (
        "smoked-then-less",
        include_str!("../models/scenarios/smoked-then-less.toml"),
    ),
    (
        "oral-heroin",
        include_str!("../models/scenarios/oral-heroin.toml"),
    ),
    (
        "naloxone-after-two-weeks",
        include_str!("../models/scenarios/naloxone-after-two-weeks.toml"),
    ),
    (
        "methadone-maintenance-then-stop",
        include_str!("../models/scenarios/methadone-maintenance-then-stop.toml"),
    ),
    (
        "buprenorphine-induction",
        include_str!("../models/scenarios/buprenorphine-induction.toml"),
    ),
    (
        "first-use",
        include_str!("../models/scenarios/first-use.toml"),
    ),
    (
        "relapse-after-treatment",
        include_str!("../models/scenarios/relapse-after-treatment.toml"),
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    title: Option<String>,
    description: Option<String>,
    regimen: Option<String>,
    phases: Option<Vec<String>>,
    observe: Option<String>,
    offered: Option<String>,
    track: Option<Track>,
}

/// What a cohort follows in a scenario with offered doses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Track {
    /// First-time users: who goes on to daily use and to physical dependence by week 8.
    FirstUse,
    /// People back among offers after a time without drug: who relapses by 3 and 12 months.
    Relapse,
}

/// Doses offered after a scenario's regimen.
#[derive(Debug, Clone, PartialEq)]
pub struct Offers {
    /// The offered doses as written.
    pub text: String,
    /// The offered doses, timed from the end of the scenario's regimen ([`Regimen::span_h`]).
    pub regimen: Regimen,
    /// What a cohort reports.
    pub track: Track,
}

/// A regimen with a title, a description and an optional observation window.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short title for charts and summaries.
    pub title: String,
    /// What the scenario shows.
    pub description: String,
    /// The regimen text as written (phases joined by "then").
    pub regimen_text: String,
    /// The parsed regimen.
    pub regimen: Regimen,
    /// Time to simulate after the last dose (h), if the file sets it.
    pub observe_h: Option<f64>,
    /// Doses offered after the regimen (use that follows wanting), if any.
    pub offers: Option<Offers>,
}

impl Scenario {
    /// A scenario made from typed regimen text.
    pub fn from_regimen_text(text: &str) -> Result<Scenario, RegimenError> {
        let regimen = Regimen::parse(text)?;
        Ok(Scenario {
            title: regimen.describe(),
            description: String::new(),
            regimen_text: text.to_string(),
            regimen,
            observe_h: None,
            offers: None,
        })
    }

    /// A built-in scenario by name (see [`BUILT_IN`]).
    pub fn built_in(name: &str) -> Option<Result<Scenario, ScenarioError>> {
        BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Scenario::from_toml_str(text, &format!("{n} (built-in)")))
    }

    /// Loads a scenario file, or, when no file is at `path` and it names a built-in
    /// scenario (`two-weeks-then-stop`, with or without `.toml`), that scenario.
    pub fn from_path_or_name(path: &Path) -> Result<Scenario, ScenarioError> {
        if path.exists() {
            return Scenario::from_path(path);
        }
        let given = path.display().to_string();
        let name = given.strip_suffix(".toml").unwrap_or(&given);
        Scenario::built_in(name).unwrap_or(Err(ScenarioError::NotFound { given }))
    }

    /// Loads a scenario file.
    pub fn from_path(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = toml_file::read(path, "scenario")?;
        Scenario::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses scenario text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let file: ScenarioFile = toml_file::parse(text, origin)?;
        for (field, value, max) in [
            ("title", &file.title, MAX_TITLE_CHARS),
            ("description", &file.description, MAX_DESCRIPTION_CHARS),
        ] {
            let chars = value.as_deref().map_or(0, |v| v.chars().count());
            if chars > max {
                return Err(ScenarioError::TextTooLong {
                    origin: origin.to_string(),
                    field,
                    chars,
                    max,
                });
            }
        }
        let (field, regimen_text) = match (file.regimen, file.phases) {
            (Some(r), None) => ("regimen", r),
            (None, Some(p)) if !p.is_empty() => ("phases", p.join(" then ")),
            _ => {
                return Err(ScenarioError::RegimenMissing {
                    origin: origin.to_string(),
                })
            }
        };
        let wrap = |field: &'static str| {
            move |error: RegimenError| ScenarioError::Regimen {
                origin: origin.to_string(),
                field,
                error,
            }
        };
        let regimen = Regimen::parse(&regimen_text).map_err(wrap(field))?;
        let observe_h = match &file.observe {
            Some(text) => Some(parse_duration_h(text).map_err(wrap("observe"))?),
            None => None,
        };
        let offers = match (file.offered, file.track) {
            (Some(text), Some(track)) => Some(Offers {
                regimen: Regimen::parse(&text).map_err(wrap("offered"))?,
                text,
                track,
            }),
            (None, None) => None,
            _ => {
                return Err(ScenarioError::Offers {
                    origin: origin.to_string(),
                })
            }
        };
        Ok(Scenario {
            title: file.title.unwrap_or_else(|| regimen.describe()),
            description: file.description.unwrap_or_default(),
            regimen_text,
            regimen,
            observe_h,
            offers,
        })
    }
}
