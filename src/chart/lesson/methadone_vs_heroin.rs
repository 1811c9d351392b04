//! `methadone-vs-heroin`: withdrawal after stopping methadone comes later and lasts longer than
//! after heroin; one methadone dose relieves heroin withdrawal.

use super::shared::*;

/// Withdrawal after a run's last dose of `drug`: onset, peak and resolution, in hours after it.
struct Course {
    last_h: f64,
    onset_h: Option<f64>,
    peak_h: f64,
    peak: f64,
    resolved_h: Option<f64>,
}

impl Course {
    fn of(run: &Run, drug: &str, window_h: f64) -> Course {
        let last_h = last_dose_of(&run.regimen, drug).map_or(run.last_h, |d| d.time_h);
        let w = &run.traj.withdrawal_score;
        let end = last_h + window_h;
        // The relief the last dose gives first, then the rise (as the summary reads onset).
        let (relief_t, _) = run.trough(w, last_h, last_h + DAY);
        let mild = mild_threshold();
        let onset_h = run
            .traj
            .time_h
            .iter()
            .zip(w)
            .find(|(&t, &y)| t >= relief_t && t <= end && y >= mild)
            .map(|(&t, _)| t - last_h);
        let (peak_t, peak) = run.peak(w, relief_t, end);
        let resolved_h = run
            .first_below(w, peak_t, mild)
            .filter(|&t| t <= end)
            .map(|t| t - last_h);
        Course {
            last_h,
            onset_h,
            peak_h: peak_t - last_h,
            peak,
            resolved_h,
        }
    }

    /// Days from onset to resolution.
    fn lasts_d(&self) -> Option<f64> {
        Some((self.resolved_h? - self.onset_h?) / DAY)
    }
}

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let after_d = 21.0;
    let heroin_text = "10mg iv q8h x 14d";
    let methadone_text = "60mg methadone oral q24h x 28d";
    let dt_h = 10.0 * MIN;
    let heroin = Run::new(model, heroin_text, after_d * DAY, dt_h)?;
    let methadone = Run::new(model, methadone_text, after_d * DAY, dt_h)?;
    let h = Course::of(&heroin, "heroin", after_d * DAY);
    let m = Course::of(&methadone, "methadone", after_d * DAY);

    // Left: stopping each.
    let top = h.peak.max(m.peak);
    let mut stop = Panel::new(
        "Withdrawal score after the last dose",
        Axis::linear("Time since the last dose (days)", 0.0, after_d, 3.0),
        score_axis(top),
    )
    .with_cows_bands();
    let colors = shades(Quantity::Withdrawal.color(), 2);
    let courses = [
        (&heroin, &h, "heroin 10 mg IV q8h, 14 days", Dash::Solid),
        (
            &methadone,
            &m,
            "methadone 60 mg oral daily, 28 days",
            Dash::Dashed,
        ),
    ];
    for (k, (run, c, label, dash)) in courses.iter().enumerate() {
        stop.series.push(shaded(
            (*label).to_string(),
            colors[k],
            *dash,
            run.line(&run.traj.withdrawal_score, c.last_h, DAY, 0.0, after_d),
        ));
        stop.notes.push(
            Note::new(
                format!("peak {:.0}, day {:.1}", c.peak, c.peak_h / DAY),
                (c.peak_h / DAY, c.peak),
                Anchor::AboveRight,
            )
            .marked(colors[k]),
        );
    }

    // Right: one methadone dose in heroin withdrawal.
    let relief_text = "10mg iv q8h x 14d then wait 28h then 30mg methadone oral";
    let relief_after_d = 7.0;
    let relief_regimen = Regimen::parse(relief_text)?;
    let dose = last_dose_of(&relief_regimen, "methadone")
        .cloned()
        .ok_or_else(|| ChartError::Render {
            reason: format!("no methadone dose in `{relief_text}`"),
        })?;
    let heroin_last = h.last_h;
    let relief = Run::new(
        model,
        relief_text,
        heroin_last + relief_after_d * DAY - dose.time_h,
        dt_h,
    )?;
    let w = &relief.traj.withdrawal_score;
    let gap_h = dose.time_h - heroin_last;
    let at_dose = relief.at(w, dose.time_h);
    let mild = mild_threshold();
    let below_h = relief.first_below(w, dose.time_h, mild);
    let (low_t, low) = relief.trough(w, dose.time_h, dose.time_h + DAY);
    let back_h = relief
        .traj
        .time_h
        .iter()
        .zip(w)
        .find(|(&t, &y)| t > low_t && y >= mild)
        .map(|(&t, _)| t);
    let end_h = heroin_last + relief_after_d * DAY;
    let (again_t, again) = relief.peak(w, low_t, end_h);
    let untreated = heroin.at(&heroin.traj.withdrawal_score, again_t);
    let mut treat = Panel::new(
        "Withdrawal score",
        Axis::linear(
            "Time since the last heroin dose (days)",
            0.0,
            relief_after_d,
            1.0,
        ),
        score_axis(top),
    )
    .with_cows_bands();
    treat.series.push(Series {
        label: Some("no methadone".into()),
        color: REFERENCE,
        dash: Dash::Dashed,
        weight: 0.8,
        points: heroin.line(
            &heroin.traj.withdrawal_score,
            heroin_last,
            DAY,
            0.0,
            relief_after_d,
        ),
        mark: None,
    });
    treat.series.push(Series::of(
        Quantity::Withdrawal,
        Some(format!(
            "{} methadone at {}",
            mg_text(dose.amount_mg),
            span_text(gap_h)
        )),
        // From the dose on: before it this is the grey line.
        relief.line(w, heroin_last, DAY, gap_h / DAY, relief_after_d),
    ));
    treat.vlines.push(Rule::new(
        gap_h / DAY,
        Some(format!("{} methadone", mg_text(dose.amount_mg))),
    ));
    treat.notes.push(
        Note::new(
            format!("{at_dose:.0} \u{2192} {low:.1}"),
            ((low_t - heroin_last) / DAY, low),
            Anchor::BelowRight,
        )
        .marked(Quantity::Withdrawal.color()),
    );

    let later = m.peak_h > h.peak_h;
    let longer = matches!((m.lasts_d(), h.lasts_d()), (Some(a), Some(b)) if a > b)
        || (m.resolved_h.is_none() && h.resolved_h.is_some());
    let title = if later && longer {
        format!(
            "Methadone withdrawal comes later and lasts longer: it peaks on day {:.1}, heroin's on day {:.1}",
            m.peak_h / DAY,
            h.peak_h / DAY
        )
    } else {
        "Withdrawal after methadone and after heroin".to_string()
    };
    let describe = |c: &Course| -> String {
        let onset = c.onset_h.map_or("never reaches mild".to_string(), |o| {
            format!("reaches mild {} after the last dose", days_or_hours(o))
        });
        let end = match c.resolved_h {
            Some(r) => format!("is below it again after {:.1} days", r / DAY),
            None => format!("is still above it after {after_d:.0} days"),
        };
        format!(
            "{onset}, peaks at {:.0} ({}) on day {:.1} and {end}",
            c.peak,
            Band::of(c.peak).name(),
            c.peak_h / DAY
        )
    };
    let height = if (m.peak - h.peak).abs() <= 0.15 * h.peak {
        "about as high a peak".to_string()
    } else if m.peak < h.peak {
        format!("a lower peak ({:.0} against {:.0})", m.peak, h.peak)
    } else {
        format!("a higher peak ({:.0} against {:.0})", m.peak, h.peak)
    };
    let relief_text_out = match (below_h, back_h) {
        (Some(b), Some(r)) => format!(
            "brings it below mild within {} and keeps it there for {:.0} hours (lowest {low:.1}); one dose only postpones withdrawal, which returns to {again:.1} on day {:.1}, {}",
            span_text(b - dose.time_h),
            r - b,
            (again_t - heroin_last) / DAY,
            if again >= 0.8 * untreated {
                format!("about what it would be without methadone by then ({untreated:.1})")
            } else {
                format!("when it would be {untreated:.1} without methadone")
            }
        ),
        (Some(b), None) => format!(
            "brings it below mild within {} (lowest {low:.1}) for the rest of the week",
            span_text(b - dose.time_h)
        ),
        _ => format!("lowers it to {low:.1}"),
    };
    let half_life_h = model
        .species
        .iter()
        .find(|s| s.name == "methadone")
        .map_or(f64::NAN, |s| std::f64::consts::LN_2 / s.k_el());
    let why = if later && longer {
        format!("Methadone leaves the body slowly (half-life {half_life_h:.0} h in the model), so its withdrawal comes later and lasts longer")
    } else {
        "In this model methadone withdrawal does not come later and last longer than heroin's"
            .to_string()
    };
    let figure = Figure {
        title,
        subtitle: format!(
            "Model: stopping heroin (10 mg IV every 8 h for 14 days) or methadone (60 mg oral daily for 28 days); right: one {} oral methadone dose {} after the last heroin dose.",
            mg_text(dose.amount_mg),
            span_text(gap_h)
        ),
        columns: vec![
            Column::headed("After stopping", 1.2, vec![stop]),
            Column::headed("Methadone in heroin withdrawal", 1.0, vec![treat]),
        ],
        footer: footer(model),
    };
    let caption = format!(
        "Left: withdrawal after the last dose of 10 mg IV heroin every 8 hours for 14 days (`{heroin_text}`) and of 60 mg oral methadone once a day for 28 days (`{methadone_text}`). \
         {why}, with {height}: after heroin the score {}; after methadone it {}. \
         Right: {} of methadone by mouth {} after the last heroin dose (`{relief_text}`), when the score is {at_dose:.0}, {relief_text_out}.",
        describe(&h),
        describe(&m),
        mg_text(dose.amount_mg),
        span_text(gap_h),
    );
    Ok(Built {
        figure,
        caption,
        alt: "Withdrawal score after stopping heroin and after stopping methadone, and heroin withdrawal with and without one methadone dose".into(),
    })
}

/// "18 h" under two days, else "2.3 days".
fn days_or_hours(h: f64) -> String {
    if h < 2.0 * DAY {
        format!("{h:.0} h")
    } else {
        format!("{:.1} days", h / DAY)
    }
}
