//! The presets: every built-in scenario ([`crate::scenario::BUILT_IN`], the lesson cases of
//! `models/scenarios/`), in that table's teaching order, as the page offers them.

use serde::Serialize;

use crate::output::format_decimals;
use crate::scenario::{Scenario, ScenarioError, BUILT_IN};
use crate::simulation::SimOptions;

/// A lesson scenario as the page offers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preset {
    /// The scenario's name, e.g. `two-weeks-then-stop` (its file name without `.toml`).
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

/// Every built-in scenario that one person can run: those with offered doses (use that
/// follows wanting) run only as cohorts and are left out. An error means an embedded file is
/// invalid (a bug that the scenario tests also catch).
pub fn lesson_presets() -> Result<Vec<Preset>, ScenarioError> {
    let mut presets = Vec::new();
    for (name, text) in BUILT_IN {
        let s = Scenario::from_toml_str(text, &format!("{name} (built-in)"))?;
        if s.offers.is_some() {
            continue;
        }
        let observe_h = s.observe_h.unwrap_or(SimOptions::default().observe_h);
        presets.push(Preset {
            name: name.to_string(),
            title: s.title,
            description: s.description,
            regimen: s.regimen_text,
            observe: duration_text(observe_h),
        });
    }
    Ok(presets)
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
    use super::{duration_text, lesson_presets};
    use crate::regimen::parse_duration_h;
    use crate::scenario::BUILT_IN;

    #[test]
    fn every_built_in_scenario_of_one_person_is_a_preset() {
        let presets = lesson_presets().expect("the built-in scenarios are valid");
        let offered = BUILT_IN
            .iter()
            .filter(|(_, text)| text.lines().any(|l| l.starts_with("offered")))
            .count();
        assert_eq!(offered, 2, "first-use and relapse-after-treatment");
        assert_eq!(presets.len(), BUILT_IN.len() - offered);
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
