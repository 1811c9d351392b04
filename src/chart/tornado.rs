//! The tornado chart of a sensitivity analysis: for each headline output, the parameters with
//! the largest elasticities as horizontal bars from zero, largest on top, each named on the
//! other side of the zero line (so long parameter names never cover a bar).

use super::figure::{Anchor, Axis, Column, Dash, Figure, Note, Panel, Rule, Series};
use super::style::{shades, Quantity};
use crate::model::Model;
use crate::sensitivity::Report;

/// The outputs a tornado chart shows, with their headings and the quantity whose colour their
/// bars take: the two that teach the most.
pub const TORNADO_OUTPUTS: [(&str, &str, Quantity); 2] = [
    (
        "peak_withdrawal_score",
        "Peak withdrawal score",
        Quantity::Withdrawal,
    ),
    (
        "tolerance_fold_at_last_dose",
        "Tolerance at the last dose",
        Quantity::Tolerance,
    ),
];

/// A tornado chart of `report`: one column per output in [`TORNADO_OUTPUTS`], the `top`
/// parameters with the largest |elasticity| for that output, largest on top.
pub fn tornado_figure(report: &Report, model: &Model, top: usize) -> Figure {
    let mut columns = Vec::new();
    for (output, heading, quantity) in TORNADO_OUTPUTS {
        // Dark bars raise the result, light bars lower it, in the output's own colour.
        let [light, dark] = shades(quantity.color(), 2)[..] else {
            continue;
        };
        let Some(k) = report.outputs.iter().position(|o| o == output) else {
            continue;
        };
        let mut bars: Vec<(&str, f64)> = report
            .rows
            .iter()
            .filter_map(|r| r.elasticity[k].map(|e| (r.parameter.as_str(), e)))
            .filter(|(_, e)| e.is_finite() && *e != 0.0)
            .collect();
        bars.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(b.0)));
        bars.truncate(top.max(1));
        let largest = bars.iter().map(|b| b.1.abs()).fold(0.0_f64, f64::max);
        let reach = if largest > 0.0 { largest * 1.15 } else { 1.0 };
        let n = bars.len();
        let mut y = Axis::linear(
            "parameters (largest effect on top)",
            0.0,
            n as f64 + 1.0,
            1.0,
        );
        y.ticks.clear();
        let mut panel = Panel::new(
            heading,
            Axis::nice(
                "elasticity (% change per % change of the parameter)",
                -reach,
                reach,
                6,
            ),
            y,
        );
        panel.legend = false;
        panel.vlines.push(Rule::new(0.0, None));
        for (i, (name, e)) in bars.iter().enumerate() {
            let row = (n - i) as f64;
            let color = if *e > 0.0 { dark } else { light };
            panel.series.push(Series {
                weight: 6.0,
                ..Series::line(None, color, Dash::Solid, vec![(0.0, row), (*e, row)])
            });
            let (anchor, value_anchor) = if *e > 0.0 {
                (Anchor::Right, Anchor::Left)
            } else {
                (Anchor::Left, Anchor::Right)
            };
            panel.notes.push(Note::new(
                name.to_string(),
                (-e.signum() * 0.02 * reach, row),
                anchor,
            ));
            panel.notes.push(Note::new(
                format!("{e:+.2}"),
                (*e + e.signum() * 0.02 * reach, row),
                value_anchor,
            ));
        }
        columns.push(Column {
            heading: None,
            weight: 1.0,
            panels: vec![panel],
        });
    }
    Figure {
        title: "Which parameters matter: a 1% change moves the result by this many %".into(),
        subtitle: format!(
            "Elasticities for {} (parameters changed by \u{b1}{:.0}%; dark bars raise the result, light bars lower it)",
            report.regimen,
            report.step * 100.0
        ),
        columns,
        footer: super::footer(model),
    }
}
