//! `withdrawal-vs-duration`: withdrawal after stopping, by length of prior use.

use super::shared::*;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let after_d = 10.0;
    let cases: [(f64, &str); 6] = [
        (0.0, "10mg iv"),
        (2.0, "10mg iv q8h x 2d"),
        (5.0, "10mg iv q8h x 5d"),
        (10.0, "10mg iv q8h x 10d"),
        (14.0, "10mg iv q8h x 14d"),
        (28.0, "10mg iv q8h x 28d"),
    ];
    let mut runs = Vec::new();
    for (days, text) in cases {
        let run = Run::new(model, text, after_d * DAY, 10.0 * MIN)?;
        let (t, p) = run.peak(
            &run.traj.withdrawal_score,
            run.last_h,
            run.last_h + after_d * DAY,
        );
        runs.push((days, text, run, t, p));
    }
    let top = runs.iter().map(|r| r.4).fold(0.0, f64::max);
    let mut panel = Panel::new(
        "Withdrawal score after the last dose",
        Axis::linear("Time since the last dose (days)", 0.0, after_d, 1.0),
        score_axis(top),
    )
    .with_cows_bands();
    let colors = shades(Quantity::Withdrawal.color(), runs.len());
    let dashes = [
        Dash::Dotted,
        Dash::Dashed,
        Dash::Solid,
        Dash::Dashed,
        Dash::Solid,
        Dash::Dotted,
    ];
    for (k, (days, _, run, _, p)) in runs.iter().enumerate() {
        let label = if *days == 0.0 {
            format!("one dose: peak {p:.1}")
        } else {
            format!("{days:.0} days: peak {p:.1}")
        };
        panel.series.push(shaded(
            label,
            colors[k],
            dashes[k],
            run.line(&run.traj.withdrawal_score, run.last_h, DAY, 0.0, after_d),
        ));
    }
    let peak = |d: f64| runs.iter().find(|r| r.0 == d).map_or(f64::NAN, |r| r.4);
    let peak_t = |d: f64| {
        runs.iter()
            .find(|r| r.0 == d)
            .map_or(f64::NAN, |r| r.3 - r.2.last_h)
    };
    let (p1, p2, p5, p14, p28) = (peak(0.0), peak(2.0), peak(5.0), peak(14.0), peak(28.0));
    let plateau = (p28 - p14).abs() < 0.1 * p14.max(1.0);
    let title = if plateau {
        format!(
            "Longer use, worse withdrawal, up to a plateau: peak {p2:.0} after 2 days, {p14:.0} after 14"
        )
    } else {
        format!(
            "Longer use, worse withdrawal: peak {p2:.0} after 2 days, {p14:.0} after 14, {p28:.0} after 28"
        )
    };
    let plateau_text = if plateau {
        format!(
            " Beyond about two weeks it hardly grows ({p28:.1} after 28 days): the counter-adaptation has reached its steady level."
        )
    } else {
        String::new()
    };
    let figure = Figure {
        title,
        subtitle: "Model: 10 mg heroin IV every 8 h for 2 to 28 days (or one dose), then stop; curves start at the last dose.".into(),
        columns: vec![Column::single(vec![panel])],
        footer: footer(model),
    };
    let caption = format!(
        "The withdrawal score after the last dose for one 10 mg IV dose and for 10 mg IV every 8 hours for 2, 5, 10, 14 and 28 days (scenarios `10mg iv` and `10mg iv q8h x 2d` to `10mg iv q8h x 28d`), with the COWS severity bands shaded. \
         One dose leaves no withdrawal (peak {p1:.1}); after 5 days the score peaks at {p5:.0} ({}), after 14 days at {p14:.0} ({}), about {:.0} hours after the last dose.{plateau_text} \
         Dependence is a slow adaptation that needs days of repeated use to build (the short blip at time 0 is the between-dose withdrawal present when the last dose is taken, relieved within minutes).",
        Band::of(p5).name(),
        Band::of(p14).name(),
        peak_t(14.0)
    );
    Ok(Built {
        figure,
        caption,
        alt: "Withdrawal score after stopping for one dose and for 2 to 28 days of use".into(),
    })
}
