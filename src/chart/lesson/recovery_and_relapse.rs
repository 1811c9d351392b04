//! `recovery-and-relapse`: withdrawal fades in days, tolerance in weeks; the old dose hits harder
//! as tolerance fades.

use super::shared::*;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let text = "10mg iv q8h x 14d";
    let after_d = 35.0;
    let run = Run::new(model, text, after_d * DAY, 10.0 * MIN)?;
    let last = run.last_h;
    let w = &run.traj.withdrawal_score;
    let tol = &run.traj.tolerance_fold;
    let (peak_t, peak) = run.peak(w, last, last + after_d * DAY);
    let mild = mild_threshold();
    let resolved_h = run.first_below(w, peak_t, mild);
    let resolved_d = resolved_h.map(|t| (t - last) / DAY);

    // Probes: the usual dose when the next one was due (end of use), after 1 and 3 weeks off, and
    // a first-ever dose.
    let regimen = Regimen::parse(text)?;
    let opts = SimOptions::default();
    let mut base = Simulation::new(model, opts.tolerances);
    base.schedule(&regimen, 0.0)?;
    let window_min = 120.0;
    let mut responses = Vec::new();
    let probes: [(&str, f64); 3] = [
        ("end of use (day 14)", 8.0),
        ("after 1 week off", 7.0 * DAY),
        ("after 3 weeks off", 21.0 * DAY),
    ];
    for (label, after_h) in probes {
        let t = last + after_h;
        base.advance(t, 0.25, &mut |_| {})?;
        let mut pts = Vec::new();
        probe(
            &base,
            &heroin(t, 10.0, Route::Iv),
            window_min * MIN,
            0.5 * MIN,
            &mut |s| {
                pts.push(((s.time_h - t) / MIN, s.obs.receptor.activation));
            },
        )?;
        let fold = run.at(tol, t);
        responses.push((label, after_h, pts, fold));
    }
    let naive_sim = Simulation::new(model, opts.tolerances);
    let mut naive = Vec::new();
    probe(
        &naive_sim,
        &heroin(0.0, 10.0, Route::Iv),
        window_min * MIN,
        0.5 * MIN,
        &mut |s| {
            naive.push((s.time_h / MIN, s.obs.receptor.activation));
        },
    )?;
    let top_of = |pts: &[(f64, f64)]| pts.iter().map(|p| p.1).fold(0.0, f64::max);

    // Left: withdrawal and tolerance after stopping.
    let x = Axis::linear("Time since the last dose (days)", 0.0, after_d, 7.0);
    let mut wd = Panel::new("Withdrawal score", x.clone(), score_axis(peak)).with_cows_bands();
    wd.x_labels = false;
    wd.legend = false;
    wd.series.push(Series::of(
        Quantity::Withdrawal,
        None,
        run.line(w, last, DAY, 0.0, after_d),
    ));
    let tol_max = tol.iter().copied().fold(1.0, f64::max);
    let mut tp = Panel::new(
        "Tolerance (potency shift)",
        x,
        Axis::nice(
            "potency shift (\u{d7} naive EC50)",
            1.0,
            tol_max.ceil().max(2.0),
            4,
        ),
    );
    tp.y.min = 1.0;
    tp.y.max = tol_max.ceil().max(2.0);
    tp.y.ticks.retain(|&t| t >= 1.0);
    tp.legend = false;
    tp.series.push(Series::of(
        Quantity::Tolerance,
        None,
        run.line(tol, last, DAY, 0.0, after_d),
    ));
    tp.hlines.push(Rule {
        at: 1.0,
        label: None,
        color: INK,
        dash: Dash::Dashed,
    });
    if let (Some(r), Some(rd)) = (resolved_h, resolved_d) {
        let label = format!("withdrawal over (day {rd:.0})");
        wd.vlines.push(Rule::new(rd, Some(label)));
        tp.vlines.push(Rule::new(rd, None));
        let f = run.at(tol, r);
        // Skip when a probe's note already marks (nearly) the same day.
        let near_probe = probes.iter().any(|p| (p.1 / DAY - rd).abs() < 1.5);
        if !near_probe {
            tp.notes.push(
                Note::new(format!("still {f:.1}\u{d7}"), (rd, f), Anchor::AboveRight)
                    .marked(Quantity::Tolerance.color()),
            );
        }
    }
    // Darkest = most tolerance, so "end of use" matches "after 14 days" in the dose-response chart.
    let mut colors = shades(Quantity::Activation.color(), responses.len());
    colors.reverse();
    for (k, (label, after_h, _, fold)) in responses.iter().enumerate() {
        if *after_h > DAY {
            tp.notes.push(
                Note::new(
                    format!("{fold:.1}\u{d7} {label}"),
                    (after_h / DAY, *fold),
                    Anchor::AboveRight,
                )
                .marked(colors[k]),
            );
        }
    }
    wd.notes.push(
        Note::new(
            format!("peak {peak:.0}"),
            ((peak_t - last) / DAY, peak),
            Anchor::Left,
        )
        .marked(Quantity::Withdrawal.color()),
    );

    // Right: the response to the same old dose.
    let mut resp = Panel::new(
        "MOR activation after 10 mg IV",
        Axis::linear("Time after the dose (min)", 0.0, window_min, 30.0),
        Axis::linear("MOR activation (0-1)", 0.0, 1.0, 0.25),
    );
    resp.series.push(Series {
        label: Some(format!("first ever dose: peak {:.2}", top_of(&naive))),
        color: REFERENCE,
        dash: Dash::Dashed,
        weight: 0.8,
        points: naive.clone(),
        mark: None,
    });
    let dashes = [Dash::Solid, Dash::Dashed, Dash::Dotted];
    for (k, (label, _, pts, _)) in responses.iter().enumerate() {
        resp.series.push(shaded(
            format!("{label}: peak {:.2}", top_of(pts)),
            colors[k],
            dashes[k],
            pts.clone(),
        ));
    }
    let a_end = top_of(&responses[0].2);
    let a_1w = top_of(&responses[1].2);
    let a_3w = top_of(&responses[2].2);
    let a_naive = top_of(&naive);
    let harder = (a_3w / a_end - 1.0) * 100.0;
    let title = match resolved_d {
        Some(rd) if harder > 0.0 => format!(
            "Withdrawal is gone in {rd:.0} days; tolerance fades over weeks, so the old dose hits harder"
        ),
        Some(rd) => format!("Withdrawal is gone in {rd:.0} days; tolerance lingers for weeks"),
        None => "Tolerance and withdrawal after stopping".to_string(),
    };
    let f_3w = responses[2].3;
    let resolved_text = match (resolved_h, resolved_d) {
        (Some(r), Some(rd)) => format!(
            "the withdrawal score falls below the mild threshold ({mild:.0}) {rd:.1} days after the last dose, when tolerance (the potency shift: how many times the naive concentration it takes for a half-maximal effect) is still {:.1}\u{d7}; three weeks after stopping it is still {f_3w:.1}\u{d7}",
            run.at(tol, r)
        ),
        _ => format!(
            "the withdrawal score does not fall below {mild:.0} within {after_d:.0} days; tolerance is still {f_3w:.1}\u{d7} three weeks after stopping"
        ),
    };
    let figure = Figure {
        title,
        subtitle: format!(
            "Model: 10 mg heroin IV every 8 h for 14 days, then stop. After 3 weeks off, the same 10 mg dose activates MOR {harder:.0}% more than at the end of use."
        ),
        columns: vec![
            Column::headed("After stopping", 1.25, vec![wd, tp]),
            Column::headed("The same old dose", 1.0, vec![resp]),
        ],
        footer: footer(model),
    };
    let caption = format!(
        "After 10 mg IV heroin every 8 hours for 14 days and then none (scenario `{text}`, and the same 10 mg dose taken again later, as in `{text} then wait 21d then 10mg iv`). \
         Left: {resolved_text}. \
         Right: the same 10 mg IV dose gives a peak MOR activation of {a_end:.2} at the end of use (when the next dose was due), {a_1w:.2} after one week off and {a_3w:.2} after three weeks (a first-ever dose: {a_naive:.2}): tolerance fades, so the old dose hits harder. \
         In people, this lost tolerance is why overdose risk is high after a break; this model does not simulate breathing."
    );
    Ok(Built {
        figure,
        caption,
        alt: "Withdrawal and tolerance after stopping, and the response to the same dose at the end of use and after one and three weeks off".into(),
    })
}
