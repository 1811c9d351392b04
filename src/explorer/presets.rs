//! The presets: every lesson scenario of `models/scenarios/`, embedded at build time (`build.rs`
//! writes the table, so a new scenario file is a new preset without a list to update).

use serde::Serialize;

use crate::output::format_decimals;
use crate::scenario::{Scenario, ScenarioError};

include!(concat!(env!("OUT_DIR"), "/lesson_scenarios.rs"));

/// A lesson scenario as the page offers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preset {
    /// The file name without `.toml`, e.g. `two-weeks-then-stop`.
    pub name: String,
    /// The scenario's title.
    pub title: String,
    /// What it shows.
    pub description: String,
    /// The regimen text (phases joined by `then`).
    pub regimen: String,
    /// The window after the last dose, as a duration (e.g. `12d`).
    pub observe: String,
}

/// Every lesson scenario, sorted by file name. An error means an embedded file is invalid (a
/// bug that `tests/cli.rs` also catches).
pub fn lesson_presets() -> Result<Vec<Preset>, ScenarioError> {
    LESSON_SCENARIOS
        .iter()
        .map(|(name, text)| {
            let origin = format!("models/scenarios/{name}.toml (embedded)");
            let s = Scenario::from_toml_str(text, &origin)?;
            let observe_h = s
                .observe_h
                .unwrap_or(crate::simulation::SimOptions::default().observe_h);
            Ok(Preset {
                name: (*name).to_string(),
                title: s.title,
                description: s.description,
                regimen: s.regimen_text,
                observe: duration_text(observe_h),
            })
        })
        .collect()
}

/// A duration in hours as regimen-grammar text: whole days as `12d`, else hours (`36h`).
pub fn duration_text(hours: f64) -> String {
    if hours > 0.0 && hours % 24.0 == 0.0 {
        format!("{}d", format_decimals(hours / 24.0, 3))
    } else {
        format!("{}h", format_decimals(hours, 3))
    }
}

#[cfg(test)]
mod tests {
    use super::{duration_text, lesson_presets, LESSON_SCENARIOS};
    use crate::regimen::parse_duration_h;

    #[test]
    fn every_scenario_file_is_a_preset() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/scenarios");
        let on_disk = std::fs::read_dir(dir)
            .expect("models/scenarios exists")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "toml"))
            })
            .count();
        let presets = lesson_presets().expect("the embedded scenarios are valid");
        assert_eq!(presets.len(), on_disk);
        assert_eq!(presets.len(), LESSON_SCENARIOS.len());
        assert!(presets.iter().any(|p| p.name == "two-weeks-then-stop"));
    }

    #[test]
    fn duration_text_reads_back_as_the_same_hours() {
        for h in [1.0, 36.0, 48.0, 240.0, 288.0, 0.5, 720.0] {
            let text = duration_text(h);
            assert_eq!(parse_duration_h(&text), Ok(h), "{text}");
        }
    }
}
