//! `tolerance-by-effect`: over four weeks of use, the dose that gives a high (activation 0.5) and
//! the dose that brings breathing down to the life-threatening level: tolerance to the high
//! grows faster than tolerance to breathing, so a user who raises the dose to chase the high
//! narrows the margin.

use super::shared::*;

/// A curve against dose: (mg, value) points.
type DoseCurve = Vec<(f64, f64)>;

/// Heroin doses tried (mg), log-spaced from 1 to 1000 mg.
fn dose_grid() -> Vec<f64> {
    (0..=36).map(|k| 10f64.powf(k as f64 / 12.0)).collect()
}

/// The dose (mg) at which `f(dose)` crosses `level` going the way `rising` says, by
/// interpolation in log dose.
fn crossing(curve: &[(f64, f64)], level: f64, rising: bool) -> Option<f64> {
    let sign = if rising { 1.0 } else { -1.0 };
    curve.windows(2).find_map(|w| {
        let ((d0, a0), (d1, a1)) = (w[0], w[1]);
        (sign * (a0 - level) < 0.0 && sign * (a1 - level) >= 0.0).then(|| {
            let f = (level - a0) / (a1 - a0);
            10f64.powf(d0.log10() + f * (d1.log10() - d0.log10()))
        })
    })
}

/// The "high" chased: a peak MOR activation of one half. The first day's high of a 10 mg dose
/// (about 0.77) cannot be reached at all after some days of use: tolerance lowers the top of
/// the curve, not only its position (`tolerance-dose-response`).
const HIGH: f64 = 0.5;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let opts = SimOptions::default();
    let threat = model.pd.life_threatening_pct;
    let window_h = 2.0;
    let days: Vec<f64> = (0..=14).map(|k| 2.0 * k as f64).collect();
    let doses = dose_grid();
    // For one moment: peak activation and lowest ventilation after each probe dose.
    let curves = |sim: &Simulation<'_>| -> Result<(DoseCurve, DoseCurve), ChartError> {
        let mut high = Vec::new();
        let mut breath = Vec::new();
        for &mg in &doses {
            let dose = heroin(sim.time_h(), mg, Route::Iv);
            let (mut peak, mut low) = (0.0_f64, f64::INFINITY);
            probe(sim, &dose, window_h, 0.5 * MIN, &mut |s| {
                peak = peak.max(s.obs.receptor.activation);
                low = low.min(s.obs.ventilation_pct);
            })?;
            high.push((mg, peak));
            breath.push((mg, low));
        }
        Ok((high, breath))
    };
    let mut high_dose = Vec::new();
    let mut breath_dose = Vec::new();
    let mut margin = Vec::new();
    for &d in &days {
        // 10 mg IV every 8 h for `d` days; the probe replaces the next dose.
        let mut sim = Simulation::new(model, opts.tolerances);
        if d > 0.0 {
            sim.schedule(&Regimen::parse(&format!("10mg iv q8h x {d}d"))?, 0.0)?;
            sim.advance(d * DAY, 0.25, &mut |_| {})?;
        }
        let (high, breath) = curves(&sim)?;
        let (Some(h), Some(b)) = (
            crossing(&high, HIGH, true),
            crossing(&breath, threat, false),
        ) else {
            continue;
        };
        high_dose.push((d, h));
        breath_dose.push((d, b));
        margin.push((d, b / h));
    }
    let first = margin.first().copied().unwrap_or((0.0, f64::NAN));
    let last = margin.last().copied().unwrap_or((0.0, f64::NAN));
    let smallest = margin
        .iter()
        .copied()
        .fold((0.0, f64::INFINITY), |a, p| if p.1 < a.1 { p } else { a });

    let x = Axis::linear("Days of use (10 mg heroin IV every 8 h)", 0.0, 28.0, 7.0);
    let top_mg = round_up(
        breath_dose
            .iter()
            .chain(&high_dose)
            .map(|p| p.1)
            .fold(10.0, f64::max)
            * 1.5,
    );
    let mut dose_panel = Panel::new(
        "Dose for each effect",
        x.clone(),
        Axis::log("heroin IV (mg, log)", 1.0, top_mg),
    );
    dose_panel.x_labels = false;
    dose_panel.series.push(Series::line(
        Some(format!("dose for a high (peak activation {HIGH})")),
        Quantity::Activation.color(),
        Dash::Solid,
        high_dose.clone(),
    ));
    dose_panel.series.push(Series::line(
        Some(format!(
            "dose that brings breathing to {threat:.0}% of baseline"
        )),
        Quantity::Breathing.color(),
        Dash::Dashed,
        breath_dose.clone(),
    ));
    let top_margin = round_up(margin.iter().map(|p| p.1).fold(1.0, f64::max) * 1.2);
    let mut margin_panel = Panel::new(
        "Margin: the ratio of the two doses",
        x,
        Axis::linear(
            "(ratio)",
            0.0,
            top_margin,
            super::super::figure::nice_step(top_margin / 4.0),
        ),
    );
    margin_panel.legend = false;
    margin_panel.hlines.push(Rule {
        at: 1.0,
        label: Some("no margin".into()),
        color: INK,
        dash: Dash::Dotted,
    });
    margin_panel
        .series
        .push(Series::of(Quantity::Tolerance, None, margin.clone()));
    margin_panel.notes.push(
        Note::new(format!("{:.2}", smallest.1), smallest, Anchor::AboveRight)
            .marked(Quantity::Tolerance.color()),
    );

    let narrows = smallest.1 < first.1;
    let title = if narrows {
        let then = if last.1 > 1.2 * smallest.1 {
            format!(", then {:.1} by day {:.0}", last.1, last.0)
        } else {
            String::new()
        };
        format!(
            "The high's tolerance outruns breathing's: the margin falls from {:.1} to {:.1} by day {:.0}{then}",
            first.1, smallest.1, smallest.0
        )
    } else {
        format!(
            "The high and breathing over four weeks of use: margin {:.2} on day 0, {:.2} on day {:.0}",
            first.1, last.1, last.0
        )
    };
    let caption = format!(
        "Each point is a probe: after the days shown of 10 mg heroin IV every 8 hours (`10mg iv q8h x 14d` at day 14) one more dose of 1 to 1000 mg is tried; top: the dose that raises MOR activation to {HIGH} (a strong high, below the 0.77 of a first 10 mg dose, which tolerance soon puts out of reach) and the dose that brings ventilation down to the model's life-threatening level ({threat:.0}% of baseline); bottom: their ratio, the margin. \
         Tolerance to activation builds with a half-life of about a day, tolerance of breathing more slowly (about {:.0} days; in mice, Hill and colleagues 2016) and less far, so the margin is {:.2} on day 0, {:.2} at its smallest (day {:.0}) and {:.2} on day {:.0}. \
         A margin below 1 would mean that the dose for the high already stops breathing. \
         A teaching model: it cannot say what dose is safe for anyone.",
        std::f64::consts::LN_2 / model.pd.breathing_tolerance_gain / DAY,
        first.1,
        smallest.1,
        smallest.0,
        last.1,
        last.0
    );
    Ok(Built {
        figure: Figure {
            title,
            subtitle: "Model: probe doses of heroin IV after 0-28 days of 10 mg IV every 8 h; the high is the peak MOR activation, breathing the lowest ventilation within 2 h.".into(),
            columns: vec![Column::single(vec![dose_panel, margin_panel])],
            footer: footer(model),
        },
        caption,
        alt: "Over four weeks of use, the heroin dose that gives a high and the dose that brings breathing to the life-threatening level, and their ratio".into(),
    })
}
