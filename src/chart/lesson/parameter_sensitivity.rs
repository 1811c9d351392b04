//! `parameter-sensitivity`: which model parameters move the headline results of the main
//! scenario (two weeks of use, then stop) most: the tornado chart of `sensitivity`.

use super::shared::*;
use crate::chart::tornado::{tornado_figure, TORNADO_OUTPUTS};
use crate::sensitivity::analyse;

/// The scenario, the observation window and the relative step of the analysis.
const SCENARIO: &str = "10mg iv q8h x 14d";
const OBSERVE_H: f64 = 12.0 * DAY;
const STEP: f64 = 0.1;
/// Parameters shown per output.
const TOP: usize = 10;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    // The analysis perturbs the model file's text, so it runs on the built-in model's text;
    // the lesson pack is always made from the built-in model.
    let regimen = Regimen::parse(SCENARIO)?;
    let report = analyse(
        crate::model::DEFAULT_MODEL_TOML,
        "models/heroin.toml (embedded)",
        &regimen,
        OBSERVE_H,
        STEP,
    )
    .map_err(|e| ChartError::Render {
        reason: format!("the sensitivity analysis failed: {e}"),
    })?;
    let figure = tornado_figure(&report, model, TOP);
    let strongest = |output: &str| -> String {
        let Some(k) = report.outputs.iter().position(|o| o == output) else {
            return "none".into();
        };
        report
            .rows
            .iter()
            .filter_map(|r| r.elasticity[k].map(|e| (r, e)))
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map_or("none".into(), |(r, e)| {
                format!("`{}` ({e:+.2})", r.parameter)
            })
    };
    let caption = format!(
        "How much each model parameter moves the headline numbers of the main scenario (`{SCENARIO}`, then stop): every parameter of the model file is changed by \u{b1}{:.0}% and the change in the result is divided by the change in the parameter (an elasticity: +1 means 1% more parameter, 1% more result). \
         The peak withdrawal score depends most on {}; the tolerance at the last dose on {}. \
         Researchers can see at once which numbers the teaching claims rest on; the same table is printed by `opioid-sim sensitivity --regimen \"{SCENARIO}\"`.",
        STEP * 100.0,
        strongest(TORNADO_OUTPUTS[0].0),
        strongest(TORNADO_OUTPUTS[1].0),
    );
    Ok(Built {
        figure,
        caption,
        alt: "Tornado chart: elasticities of the peak withdrawal score and of tolerance to each model parameter".into(),
    })
}
