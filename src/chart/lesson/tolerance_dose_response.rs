//! `tolerance-dose-response`: dose-response curves after 1, 7 and 14 days of use.

use super::shared::*;

/// Doses (mg) for dose-response curves: log-spaced.
fn dose_grid(lo: f64, hi: f64, per_decade: usize) -> Vec<f64> {
    let n = ((hi / lo).log10() * per_decade as f64).round() as usize;
    (0..=n)
        .map(|k| lo * 10f64.powf(k as f64 / per_decade as f64))
        .collect()
}

/// The dose (mg) at which a curve reaches `level`, by interpolation in log dose.
fn dose_for(curve: &[(f64, f64)], level: f64) -> Option<f64> {
    curve.windows(2).find_map(|w| {
        let ((d0, a0), (d1, a1)) = (w[0], w[1]);
        (a0 < level && a1 >= level).then(|| {
            let f = (level - a0) / (a1 - a0);
            10f64.powf(d0.log10() + f * (d1.log10() - d0.log10()))
        })
    })
}

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let opts = SimOptions::default();
    let doses = dose_grid(0.001, 100.0, 10);
    let usual = 10.0;
    let window_h = 2.0;
    let curve = |sim: &Simulation<'_>| -> Result<Vec<(f64, f64)>, ChartError> {
        doses
            .iter()
            .map(|&mg| {
                let dose = heroin(sim.time_h(), mg, Route::Iv);
                Ok((mg, peak_activation_after(sim, &dose, window_h)?))
            })
            .collect()
    };
    let naive = curve(&Simulation::new(model, opts.tolerances))?;
    let days_list = [1.0, 7.0, 14.0];
    let mut curves = Vec::new();
    for days in days_list {
        // The person took 10 mg every 8 h for `days` days; the probe replaces the next dose.
        let mut sim = Simulation::new(model, opts.tolerances);
        sim.schedule(&Regimen::parse(&format!("10mg iv q8h x {days}d"))?, 0.0)?;
        sim.advance(days * DAY, 0.25, &mut |_| {})?;
        curves.push((days, curve(&sim)?));
    }
    // Half-maximal dose: where the curve is half-way between its bottom (the activation left by
    // the previous dose) and its top.
    let half = |c: &[(f64, f64)]| {
        let lo = c.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let hi = c.iter().map(|p| p.1).fold(0.0, f64::max);
        let level = 0.5 * (lo + hi);
        dose_for(c, level).map(|d| (d, level))
    };
    let top = |c: &[(f64, f64)]| c.iter().map(|p| p.1).fold(0.0, f64::max);
    let at_usual = |c: &[(f64, f64)]| {
        c.iter()
            .find(|p| (p.0 - usual).abs() < 1e-6 * usual)
            .map_or(f64::NAN, |p| p.1)
    };
    let naive_half = half(&naive);
    let x = Axis::log(
        "Heroin dose, IV (mg, log scale)",
        doses[0],
        doses[doses.len() - 1],
    );
    let mut panel = Panel::new(
        "Peak MOR activation after one dose",
        x,
        Axis::linear("peak MOR activation (0-1)", 0.0, 1.0, 0.25),
    );
    panel.series.push(Series {
        label: Some("drug-naive".into()),
        color: REFERENCE,
        dash: Dash::Dashed,
        weight: 0.8,
        points: naive.clone(),
        mark: None,
    });
    if let Some((d0, level)) = naive_half {
        panel
            .notes
            .push(Note::new("half-maximal dose", (d0, level), Anchor::AboveLeft).marked(REFERENCE));
    }
    let colors = shades(Quantity::Activation.color(), curves.len());
    let dashes = [Dash::Dotted, Dash::Dashed, Dash::Solid];
    let mut facts = Vec::new();
    for (k, (days, c)) in curves.iter().enumerate() {
        let h = half(c);
        let fold = match (h, naive_half) {
            (Some((d, _)), Some((d0, _))) => d / d0,
            _ => f64::NAN,
        };
        panel.series.push(shaded(
            format!("after {} of use", plural(*days, "day", "days")),
            colors[k],
            dashes[k],
            c.clone(),
        ));
        if let Some((d, level)) = h {
            // Curves that land on the same point share one label ("days 7 and 14: 3.4x").
            let same = facts.last().is_some_and(|f: &(f64, f64, f64, f64)| {
                (f.1 / fold - 1.0).abs() < 0.03 && (f.2 - top(c)).abs() < 0.02
            });
            if same {
                if let (Some(note), Some(prev)) = (panel.notes.last_mut(), facts.last()) {
                    note.text = format!("days {:.0} and {days:.0}: {fold:.1}\u{d7}", prev.0);
                }
            } else {
                panel.notes.push(
                    Note::new(
                        format!("day {days:.0}: {fold:.1}\u{d7}"),
                        (d, level),
                        Anchor::BelowRight,
                    )
                    .marked(colors[k]),
                );
            }
        }
        facts.push((*days, fold, top(c), at_usual(c)));
    }
    panel.vlines.push(Rule::new(
        usual,
        Some(format!("usual dose ({usual:.0} mg)")),
    ));
    let naive_top = top(&naive);
    let naive_usual = at_usual(&naive);
    let (last_days, last_fold, last_top, last_usual) =
        facts
            .last()
            .copied()
            .unwrap_or((14.0, f64::NAN, f64::NAN, f64::NAN));
    let lower = last_top < naive_top - 0.05;
    let title = format!(
        "Tolerance: after {} of use the curve sits {last_fold:.1}-fold to the right{}",
        plural(last_days, "day", "days"),
        if lower { ", and lower" } else { "" }
    );
    let fold_list = format!(
        "{} times the naive dose after {} days",
        facts
            .iter()
            .map(|f| format!("{:.1}", f.1))
            .collect::<Vec<_>>()
            .join(", "),
        facts
            .iter()
            .map(|f| format!("{:.0}", f.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let level_off = match (facts.get(1), facts.get(2)) {
        (Some(a), Some(b)) if (b.1 / a.1 - 1.0).abs() < 0.1 && (b.2 - a.2).abs() < 0.03 => {
            "; by day 7 tolerance has nearly levelled off, so the day 7 and day 14 curves almost coincide"
        }
        _ => "",
    };
    let top_text = if lower {
        format!(
            "The top of the curve also falls (from {naive_top:.2} to {last_top:.2}), so the usual 10 mg dose gives {last_usual:.2} instead of {naive_usual:.2}"
        )
    } else {
        format!(
            "At the usual 10 mg dose the response goes from {naive_usual:.2} to {last_usual:.2}"
        )
    };
    let figure = Figure {
        title,
        subtitle: "Model: one heroin IV dose given 8 h after the last of 1, 7 or 14 days of 10 mg IV every 8 h (when the next dose was due).".into(),
        columns: vec![Column::single(vec![panel])],
        footer: footer(model),
    };
    let caption = format!(
        "Dose-response curves: the peak mu-opioid receptor activation one IV heroin dose gives, against the dose on a log scale, for a drug-naive person (dashed grey) and for a person after 1, 7 and 14 days of 10 mg IV every 8 hours (`10mg iv q8h x 1d`, `x 7d`, `x 14d`), the test dose given when the next dose was due, 8 hours after the last; the left end of each curve is what the previous dose left behind. \
         With repeated use the curve moves right: the dose for a half-maximal response is {fold_list} (dots){level_off}. \
         {top_text}: the same dose does less, which is why people with tolerance take more. \
         These dose shifts are larger than the model's potency shift at the receptor (its EC50 ratio, `tolerance_fold`), because the tolerant curves are also lower and start from what the previous dose left behind."
    );
    Ok(Built {
        figure,
        caption,
        alt: "Dose-response curves of peak MOR activation on a log dose axis, naive and after 1, 7 and 14 days of use".into(),
    })
}
