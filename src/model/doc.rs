//! `MODEL.md`: the model for a pharmacologist who does not read Rust. The equations are the
//! module documentation of [`super::dynamics`] (read from its source, so they are written once),
//! followed by every documented parameter of the model file, grouped by section, with its value,
//! unit, confidence, source and note. `opioid-sim list model` prints it; a test checks that the
//! committed `MODEL.md` is what it prints, so no parameter can be missing from it.

use std::fmt::Write as _;

use super::ModelError;
use crate::sensitivity::documented_parameters;

/// The source of `dynamics.rs`, whose module docs are the equations.
const DYNAMICS_SOURCE: &str = include_str!("dynamics.rs");

/// The equations: the `//!` lines at the top of `dynamics.rs`, without the marker.
pub fn equations() -> String {
    DYNAMICS_SOURCE
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| {
            l.strip_prefix("//! ")
                .unwrap_or(l.trim_start_matches("//!"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The whole document for a model text.
pub fn model_markdown(model_text: &str, origin: &str) -> Result<String, ModelError> {
    let params = documented_parameters(model_text, origin)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The opioid-sim model\n\n\
         > **Teaching model, not medical advice.** Written by `opioid-sim list model` from \
         `src/model/dynamics.rs` (the equations) and `{origin}` (the parameters); do not edit \
         by hand. The validation targets are in `models/validation.toml` and their report in \
         `plots/validation/README.md`.\n\n## Equations\n"
    );
    out.push_str(&equations().replace("```text", "```"));
    let _ = writeln!(
        out,
        "\n\n## Parameters\n\n{} parameters, as written in the model file (value and unit as \
         written; the model converts units on loading). Confidence: H high (a paper's abstract or \
         table), M medium (secondary source), L low (textbook, rodent, calibration or memory: \
         needs confirmation).",
        params.len()
    );
    let variable: Vec<_> = params
        .iter()
        .filter_map(|(name, p)| p.variability.as_ref().map(|v| (name, v)))
        .collect();
    if !variable.is_empty() {
        let _ = writeln!(
            out,
            "\n### Between people\n\nIn a cohort (`opioid-sim cohort`) each virtual person takes \
             `value x exp(omega z)`, `omega^2 = ln(1 + cv^2)`, z standard normal: log-normal \
             around the written (typical) value. Parameters with the same `shared` name use one \
             z per person. Every other parameter is the same for everyone.\n\n\
             | Parameter | CV | Shared | Source | Note |\n|---|---|---|---|---|"
        );
        for (name, v) in variable {
            let _ = writeln!(
                out,
                "| `{name}` | {}% | {} | {} | {} |",
                v.cv * 100.0,
                v.shared.as_deref().unwrap_or(""),
                cell(&v.source),
                cell(&v.note)
            );
        }
    }
    let mut section = String::new();
    for (name, p) in &params {
        let head = name.split('.').next().unwrap_or(name);
        if head != section {
            section = head.to_string();
            let _ = writeln!(
                out,
                "\n### `{section}`\n\n| Parameter | Value | Unit | Conf. | Source | Note |\n|---|---|---|---|---|---|"
            );
        }
        let _ = writeln!(
            out,
            "| `{name}` | {} | {} | {:?} | {} | {} |",
            p.value,
            cell(&p.unit),
            p.confidence,
            cell(&p.source),
            cell(&p.note)
        );
    }
    Ok(out)
}
