//! `naloxone-challenge`: naloxone given 6 h after one dose, after two doses a day apart and after
//! two weeks of use: the withdrawal it unmasks is the dependence already there.

use super::shared::*;

/// One challenge: the same person simulated with and without the naloxone dose.
struct Challenge {
    /// Legend label, e.g. "one dose, 10 mg IM".
    label: String,
    /// The regimen with the naloxone dose.
    text: String,
    with: Run,
    without: Run,
    /// When naloxone is given (h from the start).
    naloxone_h: f64,
    /// Hours from the last heroin dose to naloxone.
    gap_h: f64,
    /// Naloxone amount and route.
    amount_mg: f64,
    route: Route,
}

impl Challenge {
    /// The score with naloxone less the score without it, against hours after naloxone.
    fn added(&self, from: f64, to: f64) -> Vec<(f64, f64)> {
        let w = &self.with.traj.withdrawal_score;
        let o = &self.without.traj.withdrawal_score;
        self.with
            .traj
            .time_h
            .iter()
            .zip(w)
            .map(|(&t, &y)| ((t - self.naloxone_h), y - self.without.at(o, t)))
            .filter(|&(x, _)| x >= from - 1e-9 && x <= to + 1e-9)
            .collect()
    }

    /// The largest added score from naloxone to `to` h after it, and when (h after naloxone).
    fn peak_added(&self, to: f64) -> (f64, f64) {
        self.added(0.0, to)
            .into_iter()
            .fold((0.0, 0.0), |best, p| if p.1 > best.1 { p } else { best })
    }
}

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let before_h = 1.0;
    let after_h = 4.0;
    let dt_h = MIN;
    let cases: [(&str, &str, &str); 3] = [
        ("one dose", "10mg iv", "10mg naloxone im"),
        (
            "two doses",
            "10mg iv then wait 24h then 10mg iv",
            "10mg naloxone im",
        ),
        (
            "14 days of use",
            "10mg iv q8h x 14d then 10mg iv",
            "0.4mg naloxone iv",
        ),
    ];
    let mut challenges = Vec::new();
    for (who, base, naloxone) in cases {
        let text = format!("{base} then wait 6h then {naloxone}");
        let with = Run::new(model, &text, after_h, dt_h)?;
        let dose = last_dose_of(&with.regimen, "naloxone")
            .cloned()
            .ok_or_else(|| ChartError::Render {
                reason: format!("no naloxone dose in `{text}`"),
            })?;
        let last_heroin = last_dose_of(&with.regimen, "heroin").map_or(0.0, |d| d.time_h);
        let without = Run::new(model, base, dose.time_h - last_heroin + after_h, dt_h)?;
        challenges.push(Challenge {
            label: format!(
                "{who}, {} {}",
                mg_text(dose.amount_mg),
                route_label(dose.route)
            ),
            text,
            with,
            without,
            naloxone_h: dose.time_h,
            gap_h: dose.time_h - last_heroin,
            amount_mg: dose.amount_mg,
            route: dose.route,
        });
    }

    // Top: the score itself, with the long user's spontaneous withdrawal for comparison.
    let x = Axis::linear("Time after naloxone (h)", -before_h, after_h, 1.0);
    let line =
        |run: &Run, at: f64| run.line(&run.traj.withdrawal_score, at, 1.0, -before_h, after_h);
    let top_score = challenges
        .iter()
        .flat_map(|c| {
            let (a, b) = (c.naloxone_h - before_h, c.naloxone_h + after_h);
            [
                c.with.peak(&c.with.traj.withdrawal_score, a, b).1,
                c.without.peak(&c.without.traj.withdrawal_score, a, b).1,
            ]
        })
        .fold(0.0, f64::max);
    let mut score =
        Panel::new("Withdrawal score", x.clone(), score_axis(top_score)).with_cows_bands();
    score.x_labels = false;
    let colors = shades(Quantity::Withdrawal.color(), challenges.len());
    let dashes = [Dash::Dotted, Dash::Dashed, Dash::Solid];
    for (k, c) in challenges.iter().enumerate() {
        score.series.push(shaded(
            c.label.clone(),
            colors[k],
            dashes[k],
            line(&c.with, c.naloxone_h),
        ));
    }
    let long = &challenges[challenges.len() - 1];
    score.series.push(Series {
        label: Some("14 days, no naloxone".into()),
        color: REFERENCE,
        dash: Dash::Dashed,
        weight: 0.8,
        points: line(&long.without, long.naloxone_h),
        mark: None,
    });
    score.vlines.push(Rule::new(0.0, Some("naloxone".into())));
    // The short-use curves hug zero on this scale: say how high they get.
    let (short_t, short_peak) = challenges[..2]
        .iter()
        .map(|c| {
            let (t, p) = c.with.peak(
                &c.with.traj.withdrawal_score,
                c.naloxone_h,
                c.naloxone_h + after_h,
            );
            (t - c.naloxone_h, p)
        })
        .fold((0.0, 0.0), |best, p| if p.1 > best.1 { p } else { best });
    score.notes.push(
        Note::new(
            format!("one and two doses: at most {}", sig(short_peak)),
            (short_t, short_peak),
            Anchor::AboveRight,
        )
        .colored(colors[1]),
    );

    // Bottom: what naloxone adds, on a log scale so that the small effects show.
    let peaks: Vec<(f64, f64)> = challenges.iter().map(|c| c.peak_added(after_h)).collect();
    let largest = peaks.iter().map(|p| p.1).fold(0.0, f64::max);
    let smallest = peaks
        .iter()
        .map(|p| p.1)
        .filter(|&v| v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let lo = if smallest.is_finite() {
        10f64.powf(smallest.log10().floor()).clamp(1e-4, 0.1)
    } else {
        1e-3
    };
    let mut added = Panel::new(
        "Withdrawal added by naloxone",
        x,
        Axis::log(
            "added score (COWS points, log)",
            lo,
            round_up((largest * 2.0).max(1.0)),
        ),
    );
    added.legend = false;
    added.vlines.push(Rule::new(0.0, None));
    for (k, c) in challenges.iter().enumerate() {
        added.series.push(shaded(
            c.label.clone(),
            colors[k],
            dashes[k],
            c.added(0.0, after_h),
        ));
        let (t, p) = peaks[k];
        if p > 0.0 {
            added.notes.push(
                Note::new(format!("+{}", sig(p)), (t, p), Anchor::AboveRight).marked(colors[k]),
            );
        }
    }

    let (one, two, many) = (peaks[0].1, peaks[1].1, peaks[2].1);
    let grows = one < two && two < many;
    let title = if grows {
        format!(
            "Naloxone unmasks dependence: +{} after one dose, +{} after two, +{} after 14 days",
            sig(one),
            sig(two),
            sig(many)
        )
    } else {
        "Naloxone unmasks the dependence already there".to_string()
    };
    let end_added: Vec<f64> = challenges
        .iter()
        .map(|c| c.added(after_h, after_h).first().map_or(f64::NAN, |p| p.1))
        .collect();
    let naloxone_half_life_min = model
        .species
        .iter()
        .find(|s| s.name == "naloxone")
        .map_or(f64::NAN, |s| std::f64::consts::LN_2 / s.k_el() * 60.0);
    let long_before = long
        .without
        .at(&long.without.traj.withdrawal_score, long.naloxone_h);
    let small = if one < mild_threshold() / 10.0 {
        format!(
            "After one dose the model's effect is tiny (at most +{}, invisible on the score scale) and after two doses still small (+{})",
            sig(one),
            sig(two)
        )
    } else {
        format!(
            "After one dose naloxone adds up to {} points and after two doses {}",
            sig(one),
            sig(two)
        )
    };
    let figure = Figure {
        title,
        subtitle: format!(
            "Model: naloxone {} after one 10 mg heroin IV dose, after the second of two doses 24 h apart, and after 14 days of 10 mg IV every 8 h.",
            span_text(challenges[0].gap_h)
        ),
        columns: vec![Column::single(vec![score, added])],
        footer: footer(model),
    };
    let first = &challenges[0];
    let long_end = long.without.at(
        &long.without.traj.withdrawal_score,
        long.naloxone_h + after_h,
    );
    let rising = if long_end > long_before {
        " and rising"
    } else {
        ""
    };
    let smaller = if long.amount_mg < first.amount_mg {
        format!(
            "a naloxone dose {:.0} times smaller",
            first.amount_mg / long.amount_mg
        )
    } else {
        "naloxone".to_string()
    };
    let caption = format!(
        "Naloxone, an antagonist, pushes heroin and morphine off the mu-opioid receptors and so unmasks the counter-adaptation they were holding in check: {} {} given {} after one 10 mg IV dose (`{}`; the challenge dose of Heishman et al., 1989), after the second of two doses a day apart (`{}`), and {} {} after the last dose of 14 days of 10 mg IV every 8 hours (`{}`); bottom: the score with naloxone less the score without it, on a log scale. \
         {small}; after 14 days of use {smaller} adds {} within {:.0} min, on top of the {} already there{rising} without naloxone (dashed grey). \
         Naloxone is cleared quickly (half-life {naloxone_half_life_min:.0} min in the model), so {after_h:.0} hours later what it adds has fallen to {}, {} and {}.",
        mg_text(first.amount_mg),
        route_label(first.route),
        span_text(first.gap_h),
        first.text,
        challenges[1].text,
        mg_text(long.amount_mg),
        route_label(long.route),
        long.text,
        sig(many),
        peaks[2].0 * 60.0,
        sig(long_before),
        sig(end_added[0].max(0.0)),
        sig(end_added[1].max(0.0)),
        sig(end_added[2].max(0.0)),
    );
    Ok(Built {
        figure,
        caption,
        alt: "Withdrawal score around a naloxone dose given after one heroin dose, two doses and 14 days of use, and the part naloxone adds on a log scale".into(),
    })
}
