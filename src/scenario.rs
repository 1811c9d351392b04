//! Scenario files: a named regimen with a description and an observation window, for lessons and
//! for plans too long to type.
//!
//! ```toml
//! title = "Two weeks of use, then stop"
//! description = "10 mg heroin IV every 8 hours for 14 days, then abrupt stop."
//! regimen = "10mg iv q8h x 14d"      # or: phases = ["10mg iv q8h x 14d", "wait 21d", "10mg iv"]
//! observe = "10d"                    # optional: time to simulate after the last dose
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
    /// The regimen text or the observation window does not parse.
    #[error("{origin}: {field}: {source}")]
    Regimen {
        /// File name.
        origin: String,
        /// `regimen`, `phases` or `observe`.
        field: &'static str,
        /// The parser's error.
        source: RegimenError,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    title: Option<String>,
    description: Option<String>,
    regimen: Option<String>,
    phases: Option<Vec<String>>,
    observe: Option<String>,
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
        })
    }

    /// Loads a scenario file.
    pub fn from_path(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = toml_file::read(path, "scenario")?;
        Scenario::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses scenario text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let file: ScenarioFile = toml_file::parse(text, origin)?;
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
            move |source: RegimenError| ScenarioError::Regimen {
                origin: origin.to_string(),
                field,
                source,
            }
        };
        let regimen = Regimen::parse(&regimen_text).map_err(wrap(field))?;
        let observe_h = match &file.observe {
            Some(text) => Some(parse_duration_h(text).map_err(wrap("observe"))?),
            None => None,
        };
        Ok(Scenario {
            title: file.title.unwrap_or_else(|| regimen.describe()),
            description: file.description.unwrap_or_default(),
            regimen_text,
            regimen,
            observe_h,
        })
    }
}
