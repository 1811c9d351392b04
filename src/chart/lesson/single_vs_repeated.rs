//! `single-vs-repeated`: one 10 mg IV dose beside 10 mg IV every 8 h for 14 days, then stop.

use super::shared::*;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let window_d = 28.0;
    let one = Run::new(model, "10mg iv", window_d * DAY, MIN)?;
    let rep_text = "10mg iv q8h x 14d";
    let rep_last = Regimen::parse(rep_text)?.last_dose_h().unwrap_or(0.0);
    let rep = Run::new(model, rep_text, window_d * DAY - rep_last, MIN)?;
    let end_h = window_d * DAY;

    let (one_peak_t, one_peak) = one.peak(&one.traj.withdrawal_score, one.last_h, end_h);
    let (rep_peak_t, rep_peak) = rep.peak(&rep.traj.withdrawal_score, rep.last_h, end_h);
    let (one_dep_t, one_dep) = one.peak(&one.traj.dependence, 0.0, end_h);
    let rep_dep = rep.at(&rep.traj.dependence, rep.last_h);
    let top = score_axis(one_peak.max(rep_peak)).max;

    // Start a day early so that the first dose is not hidden by the axis.
    let x = Axis {
        min: -1.0,
        ..Axis::linear("Time since the first dose (days)", 0.0, window_d, 7.0)
    };
    let column = |run: &Run| -> Vec<Panel> {
        let last_d = run.last_h / DAY;
        let doses = run.doses(0.0, DAY);
        let make = |title: &str, y: Axis, q: Quantity, ys: &[f64], x_labels: bool| {
            let mut p = Panel::new(title, x.clone(), y);
            p.x_labels = x_labels;
            p.legend = false;
            p.series
                .push(Series::of(q, None, run.line(ys, 0.0, DAY, -1.0, window_d)));
            p.dose_ticks = doses.clone();
            p.vlines.push(Rule::new(last_d, None));
            p
        };
        let mut act = make(
            "MOR activation",
            fraction_axis("activation"),
            Quantity::Activation,
            &run.traj.mor_activation,
            false,
        );
        act.vlines[0].label = Some("last dose".into());
        let dep = make(
            "Dependence (counter-adaptation)",
            fraction_axis("dependence"),
            Quantity::Dependence,
            &run.traj.dependence,
            false,
        );
        let mut wd = make(
            "Withdrawal score",
            score_axis(top),
            Quantity::Withdrawal,
            &run.traj.withdrawal_score,
            true,
        );
        wd.y.max = top;
        wd.y.ticks.retain(|&t| t <= top);
        vec![act, dep, wd.with_cows_bands()]
    };

    let mut left = column(&one);
    let mut right = column(&rep);
    left[1].notes.push(
        Note::new(
            format!("peak {one_dep:.2}, then it fades"),
            (one_dep_t / DAY, one_dep),
            Anchor::AboveRight,
        )
        .marked(Quantity::Dependence.color()),
    );
    right[1].notes.push(
        Note::new(
            format!("{rep_dep:.2} at the last dose"),
            (rep.last_h / DAY, rep_dep),
            Anchor::AboveLeft,
        )
        .marked(Quantity::Dependence.color()),
    );
    left[2].notes.push(
        Note::new(
            format!("peak score {one_peak:.1}: {}", verdict(one_peak)),
            (one_peak_t / DAY, one_peak),
            Anchor::AboveRight,
        )
        .marked(Quantity::Withdrawal.color()),
    );
    let rep_after_h = rep_peak_t - rep.last_h;
    right[2].notes.push(
        Note::new(
            format!("peak {rep_peak:.0}, {rep_after_h:.0} h after the last dose"),
            (rep_peak_t / DAY, rep_peak),
            Anchor::Left,
        )
        .marked(Quantity::Withdrawal.color()),
    );

    let title = format!(
        "One dose: {}. Two weeks of use: {} on stopping.",
        verdict(one_peak),
        verdict(rep_peak)
    );
    let figure = Figure {
        title,
        subtitle: "Model of 10 mg heroin IV taken once (left) or every 8 h for 14 days and then stopped (right); same axes on both sides.".into(),
        columns: vec![
            Column {
                heading: Some("One 10 mg IV dose".into()),
                weight: 1.0,
                panels: left,
            },
            Column {
                heading: Some("10 mg IV every 8 h for 14 days, then stop".into()),
                weight: 1.0,
                panels: right,
            },
        ],
        footer: footer(model),
    };
    let doses = rep.regimen.doses().len();
    let caption = format!(
        "Left: one 10 mg IV heroin dose (scenario `10mg iv`); right: 10 mg IV every 8 hours for 14 days, then stop (`{rep_text}`). \
         Every dose switches the mu-opioid receptors on for a few hours, but only repeated use lets the slow counter-adaptation (dependence) build up: it peaks at {one_dep:.2} after one dose and fades, but stands at {rep_dep:.2} at the last of {doses} doses. \
         When use stops, that adaptation is no longer opposed by the drug and the withdrawal score peaks at {rep_peak:.0} ({band}) about {rep_after_h:.0} hours after the last dose, while one dose peaks at {one_peak:.1}. \
         The shaded bands are the COWS severity bands; ticks along the bottom mark the doses.",
        band = Band::of(rep_peak).name(),
    );
    Ok(Built {
        figure,
        caption,
        alt: "Two columns of three panels (MOR activation, dependence, withdrawal score) for one dose and for two weeks of use".into(),
    })
}
