//! `buprenorphine-induction`: buprenorphine holds most receptors but activates them only partly;
//! started in established withdrawal it relieves it, started too early it cannot.

use super::shared::*;

/// MOR occupancy measured with PET 4 h after sublingual buprenorphine (Greenwald et al. 2003,
/// Neuropsychopharmacology 28:2000; whole-brain reduction in [11C]carfentanil binding): dose (mg)
/// and occupancy (0-1). Literature data, drawn as points beside the model.
const PET_OCCUPANCY: [(f64, f64); 3] = [(2.0, 0.41), (16.0, 0.80), (32.0, 0.84)];

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    // Left: occupancy and activation 4 h after the 7th daily dose.
    let days = 7;
    let after_h = 4.0;
    let daily = |mg: f64| {
        format!(
            "{}mg buprenorphine sublingual q24h x {days}d",
            crate::chart::figure::format_tick(mg, 2)
        )
    };
    let grid = [
        0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 20.0, 24.0, 28.0, 32.0,
    ];
    let mut occupancy = vec![(0.0, 0.0)];
    let mut activation = vec![(0.0, 0.0)];
    for mg in grid {
        let run = Run::new(model, &daily(mg), after_h, 15.0 * MIN)?;
        let t = run.last_h + after_h;
        occupancy.push((mg, run.at(&run.traj.mor_occupancy, t)));
        activation.push((mg, run.at(&run.traj.mor_activation, t)));
    }
    let occ_at = |mg: f64| {
        occupancy
            .iter()
            .find(|p| (p.0 - mg).abs() < 1e-9)
            .map_or(f64::NAN, |p| p.1)
    };
    let max_dose = grid[grid.len() - 1];
    let mut occ = Panel::new(
        "MOR occupancy and activation",
        Axis::linear("Buprenorphine dose, sublingual (mg)", 0.0, max_dose, 8.0),
        Axis::linear("fraction of MOR (0-1)", 0.0, 1.0, 0.25),
    );
    let blue = Quantity::Activation.color();
    occ.series.push(Series::line(
        Some("occupancy (model)".into()),
        blue,
        Dash::Solid,
        occupancy.clone(),
    ));
    let act_color = shades(blue, 3)[0];
    occ.series.push(shaded(
        "activation (model)".into(),
        act_color,
        Dash::Dashed,
        activation.clone(),
    ));
    let model_points: Vec<(f64, f64)> = PET_OCCUPANCY.iter().map(|p| (p.0, occ_at(p.0))).collect();
    occ.markers.push(Markers {
        label: None,
        color: blue,
        shape: Shape::Circle,
        points: model_points.clone(),
    });
    occ.markers.push(Markers {
        label: Some("PET (Greenwald 2003)".into()),
        color: INK,
        shape: Shape::Diamond,
        points: PET_OCCUPANCY.to_vec(),
    });
    // Under the first dose's points, in the empty corner above the curve for the middle one and
    // leftwards under the last one (at the right edge), so that the three notes stay apart.
    let anchors = [Anchor::BelowRight, Anchor::AboveLeft, Anchor::BelowLeft];
    for ((&(mg, pet), &(_, m)), anchor) in PET_OCCUPANCY.iter().zip(&model_points).zip(anchors) {
        let at = if anchor == Anchor::AboveLeft {
            m.max(pet)
        } else {
            m.min(pet)
        };
        occ.notes.push(
            Note::new(
                format!("{:.0}% (PET {:.0}%)", m * 100.0, pet * 100.0),
                (mg, at),
                anchor,
            )
            .colored(blue),
        );
    }
    let top_activation = activation.iter().map(|p| p.1).fold(0.0, f64::max);

    // Right: induction 2 h after the last heroin dose, or 36 h after it.
    let base = "10mg iv q8h x 14d then 10mg iv";
    let window_h = 96.0;
    let dt_h = 5.0 * MIN;
    let none = Run::new(model, base, window_h, dt_h)?;
    let heroin_last = none.last_h;
    let mut starts = Vec::new();
    for wait in ["2h", "36h"] {
        let text = format!("{base} then wait {wait} then 8mg buprenorphine sublingual");
        let regimen = Regimen::parse(&text)?;
        let dose = last_dose_of(&regimen, "buprenorphine")
            .cloned()
            .ok_or_else(|| ChartError::Render {
                reason: format!("no buprenorphine dose in `{text}`"),
            })?;
        let run = Run::new(model, &text, heroin_last + window_h - dose.time_h, dt_h)?;
        // Precipitated withdrawal as the summary reads it: the highest score shortly after the
        // dose, compared here with the same moment without buprenorphine.
        let mut sim = Simulation::new(model, SimOptions::default().tolerances);
        sim.schedule(&regimen, 0.0)?;
        let mut builder = SummaryBuilder::new(model, &regimen);
        sim.advance(dose.time_h + 3.0, dt_h, &mut |s| builder.push(s))?;
        let summary = builder.finish();
        let precipitated = match (summary.peak_precipitated_score, summary.precipitated_at_h) {
            (Some(p), Some(t)) => p - none.at(&none.traj.withdrawal_score, t),
            _ => f64::NAN,
        };
        starts.push((text, dose, run, precipitated));
    }
    let w_none = &none.traj.withdrawal_score;
    let (none_peak_t, none_peak) = none.peak(w_none, heroin_last, heroin_last + window_h);
    let mut score = Panel::new(
        "Withdrawal score",
        Axis::linear("Time since the last heroin dose (h)", 0.0, window_h, 12.0),
        score_axis(none_peak),
    )
    .with_cows_bands();
    score.series.push(Series {
        label: Some("no buprenorphine".into()),
        color: REFERENCE,
        dash: Dash::Dashed,
        weight: 0.8,
        points: none.line(w_none, heroin_last, 1.0, 0.0, window_h),
        mark: None,
    });
    let colors = shades(Quantity::Withdrawal.color(), starts.len());
    let dashes = [Dash::Dotted, Dash::Solid];
    let mut facts = Vec::new();
    for (k, (_, dose, run, precipitated)) in starts.iter().enumerate() {
        let w = &run.traj.withdrawal_score;
        let gap = dose.time_h - heroin_last;
        score.series.push(shaded(
            format!("{} at {}", mg_text(dose.amount_mg), span_text(gap)),
            colors[k],
            dashes[k],
            // From the dose on: before it this is the grey line.
            run.line(w, heroin_last, 1.0, gap, window_h),
        ));
        score.vlines.push(Rule::new(gap, None));
        let before = run.at(w, dose.time_h);
        let (low_t, low) = run.trough(w, dose.time_h, dose.time_h + 12.0);
        let (peak_t, peak) = run.peak(w, low_t, heroin_last + window_h);
        let occupied = none.at(&none.traj.mor_occupancy, dose.time_h);
        facts.push((
            gap,
            before,
            low,
            peak_t - heroin_last,
            peak,
            *precipitated,
            occupied,
        ));
    }
    let (early, late) = (facts[0], facts[1]);
    score.notes.push(
        Note::new(
            format!("{:.0} \u{2192} {:.1}", late.1, late.2),
            (
                starts[1]
                    .2
                    .trough(
                        &starts[1].2.traj.withdrawal_score,
                        starts[1].1.time_h,
                        starts[1].1.time_h + 12.0,
                    )
                    .0
                    - heroin_last,
                late.2,
            ),
            Anchor::BelowRight,
        )
        .marked(colors[1]),
    );
    score.notes.push(
        Note::new(
            format!("peak {none_peak:.0}"),
            (none_peak_t - heroin_last, none_peak),
            Anchor::AboveRight,
        )
        .marked(REFERENCE),
    );
    let precipitates = early.5 >= 1.0;
    score.notes.push(
        Note::new(
            if precipitates {
                format!("+{:.1}: precipitated", early.5)
            } else {
                "no precipitated withdrawal".to_string()
            },
            (early.0, early.1),
            Anchor::AboveRight,
        )
        .marked(colors[0]),
    );
    let relieves = late.2 < late.1 - 1.0;
    let title = match (precipitates, relieves) {
        (true, true) => format!(
            "Buprenorphine too early precipitates withdrawal (+{:.1}); in withdrawal it relieves it",
            early.5
        ),
        (false, true) => format!(
            "Buprenorphine holds most receptors but activates few; in withdrawal it cuts the score from {:.0} to {:.1}",
            late.1, late.2
        ),
        _ => "Buprenorphine: a partial agonist that holds most receptors".to_string(),
    };
    let early_text = if precipitates {
        format!(
            "given {} after the last heroin dose (`{}`), it displaces the heroin still acting and precipitates withdrawal, adding {:.1} points to the score",
            span_text(early.0),
            starts[0].0,
            early.5
        )
    } else {
        format!(
            "given {} after the last heroin dose (`{}`), it does not precipitate withdrawal in this model ({}), because by then heroin and its metabolites hold only {:.0}% of the receptors, so there is little to displace; it delays withdrawal, which peaks at {:.0} after {:.0} h",
            span_text(early.0),
            starts[0].0,
            if early.5 <= 0.05 {
                "the score just after it is no higher than without buprenorphine".to_string()
            } else {
                format!("at most {:.1} points more than without it", early.5)
            },
            early.6 * 100.0,
            early.4,
            early.3
        )
    };
    let figure = Figure {
        title,
        subtitle: format!(
            "Model: left, 4 h after the {days}th daily sublingual dose; right, one {} sublingual dose after 10 mg heroin IV every 8 h for 14 days.",
            mg_text(starts[1].1.amount_mg)
        ),
        columns: vec![
            Column::headed("A partial agonist", 1.0, vec![occ]),
            Column::headed("Starting buprenorphine", 1.3, vec![score]),
        ],
        footer: footer(model),
    };
    let caption = format!(
        "Left: 4 hours after the {days}th daily sublingual dose (`{}` and the same with {} and {} mg), buprenorphine occupies {:.0}%, {:.0}% and {:.0}% of mu-opioid receptors in the model against {:.0}%, {:.0}% and {:.0}% measured with PET (diamonds; Greenwald et al., 2003), but activates them at most {top_activation:.2}: a partial agonist. \
         Right: 8 mg sublingual buprenorphine after 10 mg IV heroin every 8 hours for 14 days; given {} after the last heroin dose (`{}`), in established withdrawal (score {:.0}), it brings the score down to {:.1}, and without it withdrawal peaks at {none_peak:.0}. \
         Too early, {early_text}.",
        daily(PET_OCCUPANCY[0].0),
        PET_OCCUPANCY[1].0,
        PET_OCCUPANCY[2].0,
        model_points[0].1 * 100.0,
        model_points[1].1 * 100.0,
        model_points[2].1 * 100.0,
        PET_OCCUPANCY[0].1 * 100.0,
        PET_OCCUPANCY[1].1 * 100.0,
        PET_OCCUPANCY[2].1 * 100.0,
        span_text(late.0),
        starts[1].0,
        late.1,
        late.2,
    );
    Ok(Built {
        figure,
        caption,
        alt: "MOR occupancy and activation against buprenorphine dose with PET data, and withdrawal when buprenorphine is started 2 h or 36 h after the last heroin dose".into(),
    })
}
