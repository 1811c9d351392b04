//! A chart of any schedule: seven panels on one time axis.
//!
//! From the top: plasma levels of every species (log scale, floor 0.1 ng/mL), MOR activation,
//! dopamine (% of baseline, with the baseline), wanting and craving (0-1), breathing (ventilation, % of baseline, with the
//! model's life-threatening band), tolerance (potency shift, x the naive EC50) and
//! the withdrawal score with the COWS bands. Every panel has small ticks at the doses and a
//! dashed line at the last dose (labelled in the top panel). Time is in hours for runs up to two
//! days, in days beyond.

use super::figure::{envelope, Axis, Column, Dash, Figure, Panel, Rule, Series};
use super::lesson::footer;
use super::style::{species_color, Quantity, INK};
use super::ChartError;
use crate::model::Model;
use crate::regimen::Regimen;
use crate::simulation::{end_time, simulate, SimError, SimOptions};

/// Most dose ticks drawn; beyond this they would merge into a bar over the data.
const MAX_DOSE_TICKS: usize = 250;
/// Points kept per line (see [`envelope`]).
const BUCKETS: usize = 900;
/// Lowest plasma level shown (ng/mL); lower values sit on the bottom edge.
const PLASMA_FLOOR: f64 = 0.1;

/// Builds the chart of `regimen` followed by `observe_h` hours without doses. `title` is the
/// chart's title (e.g. a scenario's title, or the regimen text).
pub fn plot_figure(
    model: &Model,
    title: &str,
    regimen: &Regimen,
    observe_h: f64,
) -> Result<Figure, ChartError> {
    let end_h = end_time(regimen, observe_h);
    if end_h <= 0.0 {
        return Err(SimError::Option {
            option: "observe",
            value: format!("{observe_h} h"),
            expected: "a window after the last dose longer than 0 h, e.g. --observe 1d".into(),
        }
        .into());
    }
    // Fine enough to catch each dose's peak, coarse enough for a year-long regimen.
    let dt_h = (end_h / 200_000.0).clamp(1.0 / 60.0, 0.5);
    let opts = SimOptions {
        observe_h,
        dt_h,
        ..SimOptions::default()
    };
    let traj = simulate(model, regimen, &opts)?;
    let (unit_h, unit) = if end_h <= 48.0 {
        (1.0, "h")
    } else {
        (24.0, "days")
    };
    let t: Vec<f64> = traj.time_h.iter().map(|h| h / unit_h).collect();
    let t_end = end_h / unit_h;
    let line = |ys: &[f64]| envelope(&t, ys, 0.0, t_end, BUCKETS);
    let step = super::figure::nice_step(t_end / 8.0);
    let x = Axis::linear(format!("Time since the start ({unit})"), 0.0, t_end, step);
    let ticks_shown = regimen.doses().len() <= MAX_DOSE_TICKS;
    let doses: Vec<f64> = if ticks_shown {
        regimen.doses().iter().map(|d| d.time_h / unit_h).collect()
    } else {
        Vec::new()
    };
    let last = regimen.last_dose_h().map(|h| h / unit_h);

    let with_common = |mut p: Panel, labels: bool| {
        p.x_labels = labels;
        p.dose_ticks = doses.clone();
        if let Some(l) = last {
            p.vlines.push(Rule::new(l, None));
        }
        p
    };

    // Plasma.
    let peak = traj
        .plasma_ng_ml
        .iter()
        .flat_map(|c| c.iter().copied())
        .fold(PLASMA_FLOOR * 10.0, f64::max);
    let top = super::lesson::round_up(peak);
    let mut plasma = with_common(
        Panel::new(
            "Plasma level",
            x.clone(),
            Axis::log("ng/mL (log)", PLASMA_FLOOR, top),
        ),
        false,
    );
    // Only the species the regimen puts in the blood: a legend of drugs nobody took would
    // suggest they were there.
    for (i, sp) in model.species.iter().enumerate() {
        if !traj.plasma_ng_ml[i].iter().any(|&c| c > 0.0) {
            continue;
        }
        plasma.series.push(Series {
            label: Some(sp.label.clone()),
            color: species_color(&sp.name, i),
            dash: Dash::Solid,
            weight: 0.8,
            points: line(&traj.plasma_ng_ml[i]),
            mark: None,
        });
    }
    if let Some(v) = plasma.vlines.first_mut() {
        v.label = Some("last dose".into());
    }

    // MOR activation.
    let mut act = with_common(
        Panel::new(
            "MOR activation",
            x.clone(),
            Axis::linear("(0-1)", 0.0, 1.0, 0.5),
        ),
        false,
    );
    act.legend = false;
    act.series.push(Series::of(
        Quantity::Activation,
        None,
        line(&traj.mor_activation),
    ));

    // Dopamine.
    let da = &traj.dopamine_pct_baseline;
    let da_min = da.iter().copied().fold(100.0, f64::min);
    let da_max = da.iter().copied().fold(100.0, f64::max);
    let lo = ((da_min - 5.0) / 20.0).floor() * 20.0;
    let hi = ((da_max + 5.0) / 20.0).ceil() * 20.0;
    let step_da = super::figure::nice_step((hi - lo) / 3.0);
    let mut dop = with_common(
        Panel::new(
            "Dopamine (% of baseline)",
            x.clone(),
            Axis::linear("(%)", lo, hi, step_da),
        ),
        false,
    );
    dop.legend = false;
    dop.hlines.push(Rule {
        at: 100.0,
        label: None,
        color: INK,
        dash: Dash::Dashed,
    });
    dop.series
        .push(Series::of(Quantity::Dopamine, None, line(da)));

    // Wanting (solid) and craving (dashed).
    let mut want = with_common(
        Panel::new(
            "Wanting (solid) and craving (dashed)",
            x.clone(),
            Axis::linear("(0-1)", 0.0, 1.0, 0.5),
        ),
        false,
    );
    want.legend = false;
    want.series
        .push(Series::of(Quantity::Wanting, None, line(&traj.wanting)));
    want.series.push(Series::line(
        None,
        Quantity::Craving.color(),
        Dash::Dashed,
        line(&traj.craving),
    ));

    // Breathing.
    let mut br = with_common(
        Panel::new(
            "Breathing (ventilation, % of baseline)",
            x.clone(),
            Axis::linear("(%)", 0.0, 100.0, 50.0),
        ),
        false,
    )
    .with_breathing_bands(model.pd.life_threatening_pct);
    br.legend = false;
    br.series.push(Series::of(
        Quantity::Breathing,
        None,
        line(&traj.ventilation_pct_baseline),
    ));

    // Tolerance.
    let fold_max = traj.tolerance_fold.iter().copied().fold(1.0, f64::max);
    let fold_top = (fold_max * 1.1).ceil().max(2.0);
    let mut tol = with_common(
        Panel::new(
            "Tolerance (potency shift)",
            x.clone(),
            Axis::linear(
                "(\u{d7} naive)",
                1.0,
                fold_top,
                super::figure::nice_step((fold_top - 1.0) / 3.0),
            ),
        ),
        false,
    );
    tol.legend = false;
    tol.series.push(Series::of(
        Quantity::Tolerance,
        None,
        line(&traj.tolerance_fold),
    ));

    // Withdrawal.
    let w_max = traj.withdrawal_score.iter().copied().fold(0.0, f64::max);
    let mut wd = with_common(
        Panel::new(
            "Withdrawal score (COWS scale)",
            x,
            Axis::cows("(0-48)", w_max),
        ),
        true,
    )
    .with_cows_bands();
    wd.legend = false;
    wd.series.push(Series::of(
        Quantity::Withdrawal,
        None,
        line(&traj.withdrawal_score),
    ));

    plasma.weight = 1.3;
    wd.weight = 1.2;
    tol.weight = 0.8;
    want.weight = 0.8;
    Ok(Figure {
        title: title.to_string(),
        subtitle: format!(
            "{}{} dose{}, simulated to {} {unit} after the start; {}",
            if title == regimen.describe() {
                String::new()
            } else {
                format!("{}; ", regimen.describe())
            },
            regimen.doses().len(),
            if regimen.doses().len() == 1 { "" } else { "s" },
            super::figure::format_tick(t_end, 1),
            if ticks_shown {
                "ticks along the bottom of each panel mark the doses."
            } else {
                "too many doses to mark one by one."
            }
        ),
        columns: vec![Column::single(vec![plasma, act, dop, want, br, tol, wd])],
        footer: footer(model),
    })
}
