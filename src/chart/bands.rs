//! Percentile bands of a cohort over time: how much people differ on one schedule.
//!
//! Two panels on one time axis: MOR activation and the withdrawal score (with the COWS bands),
//! each with the 5th-95th and 25th-75th percentile across subjects shaded and the median as a
//! line. Used by `opioid-sim cohort --chart` and the `people-differ` lesson chart.

use super::figure::{nice_step, Axis, Column, Figure, Panel, Ribbon, Rule, Series};
use super::lesson::footer;
use super::style::{shades, Quantity};
use crate::cohort::{Bands, CohortReport};
use crate::model::Model;

/// The band chart of a cohort. `title` heads it; the subtitle says who and how many.
pub fn bands_figure(model: &Model, title: &str, bands: &Bands, report: &CohortReport) -> Figure {
    let end_h = bands.time_h.last().copied().unwrap_or(0.0);
    let (unit_h, unit) = if end_h <= 48.0 {
        (1.0, "h")
    } else {
        (24.0, "days")
    };
    let t: Vec<f64> = bands.time_h.iter().map(|h| h / unit_h).collect();
    let t_end = (end_h / unit_h).max(1e-9);
    let x = Axis::linear(
        format!("Time since the start ({unit})"),
        0.0,
        t_end,
        nice_step(t_end / 8.0),
    );
    let panel = |name: &str, y: Axis, quantity: Quantity, q: &[Vec<f64>; 5], x_labels: bool| {
        let mut p = Panel::new(name, x.clone(), y);
        p.x_labels = x_labels;
        let base = quantity.color();
        p.ribbons.push(Ribbon {
            // Darker than the COWS bands' tints, so both show.
            fill: base.tint(0.6),
            x: t.clone(),
            lower: q[0].clone(),
            upper: q[4].clone(),
        });
        p.ribbons.push(Ribbon {
            fill: base.tint(0.35),
            x: t.clone(),
            lower: q[1].clone(),
            upper: q[3].clone(),
        });
        let mut median = Series::of(
            quantity,
            Some("median; shaded: 25th-75th and 5th-95th percentile".into()),
            t.iter().copied().zip(q[2].iter().copied()).collect(),
        );
        // The darkest of the quantity's shades: it reads on both bands.
        median.color = shades(base, 3)[2];
        p.series.push(median);
        p
    };
    let mut act = panel(
        "MOR activation",
        Axis::linear("(0-1)", 0.0, 1.0, 0.5),
        Quantity::Activation,
        &bands.activation,
        false,
    );
    let w_max = bands.withdrawal[4].iter().copied().fold(0.0, f64::max);
    let mut wd = panel(
        "Withdrawal score (COWS scale)",
        Axis::cows("(0-48)", w_max),
        Quantity::Withdrawal,
        &bands.withdrawal,
        true,
    )
    .with_cows_bands();
    wd.legend = false;
    if let Some(last) = report_last_dose_h(report) {
        for p in [&mut act, &mut wd] {
            p.vlines.push(Rule::new(last / unit_h, None));
        }
        if let Some(v) = act.vlines.first_mut() {
            v.label = Some("last dose (median)".into());
        }
    }
    let share = report.share("physically_dependent").unwrap_or(0.0);
    Figure {
        title: title.to_string(),
        subtitle: format!(
            "{} virtual people (seed {}), {}; {} of them physically dependent after the last dose (peak withdrawal score 5 or more).",
            report.subjects,
            report.seed,
            report.regimen,
            pct(share)
        ),
        columns: vec![Column::single(vec![act, wd])],
        footer: footer(model),
    }
}

/// The median time of the last agonist dose, if the cohort has one.
fn report_last_dose_h(report: &CohortReport) -> Option<f64> {
    report.distribution("last_agonist_dose_h").map(|d| d.p50)
}

/// A share as a percentage for titles: `42%`, `0.4%`.
pub fn pct(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 1.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}
