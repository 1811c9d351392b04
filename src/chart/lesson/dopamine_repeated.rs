//! `dopamine-repeated`: dopamine over the first days of use and after stopping.

use super::shared::*;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let text = "10mg iv q8h x 14d";
    let last_h = Regimen::parse(text)?.last_dose_h().unwrap_or(0.0);
    // Show a whole number of days, at least a week after the last dose.
    let end_d = ((last_h / DAY) + 7.0).ceil();
    let run = Run::new(model, text, end_d * DAY - last_h, MIN)?;
    let da = &run.traj.dopamine_pct_baseline;
    let first_days = 3.0;
    let last_d = run.last_h / DAY;
    let from_d = (last_d - 2.5).floor();
    let green = Quantity::Dopamine.color();

    let (first_t, first_peak) = run.peak(da, 0.0, 8.0);
    let (_, last_peak) = run.peak(da, run.last_h, run.last_h + 2.0);
    // The lowest level between doses: early (first days) and over the whole period of use.
    let (dip_t, dip) = run.trough(da, 1.0, first_days * DAY);
    let (use_dip_t, use_dip) = run.trough(da, 1.0, run.last_h);
    let (trough_t, trough) = run.trough(da, run.last_h, end_d * DAY);
    let trough_after_h = trough_t - run.last_h;
    let end_value = run.at(da, end_d * DAY);
    let lo = ((da.iter().copied().fold(100.0, f64::min) - 5.0) / 25.0).floor() * 25.0;
    let hi = ((da.iter().copied().fold(100.0, f64::max) + 5.0) / 25.0).ceil() * 25.0;
    let y = Axis::linear("dopamine (% of baseline)", lo, hi, 25.0);

    let baseline = Rule {
        at: 100.0,
        label: Some("baseline".into()),
        color: INK,
        dash: Dash::Dashed,
    };
    let mut left = Panel::new(
        "First 3 days of use",
        Axis {
            min: -0.15,
            ..Axis::linear("Time since the first dose (days)", 0.0, first_days, 0.5)
        },
        y.clone(),
    );
    left.legend = false;
    left.series.push(Series::of(
        Quantity::Dopamine,
        None,
        run.line_detail(da, 0.0, DAY, -0.15, first_days, 1500),
    ));
    left.dose_ticks = run.doses(0.0, DAY);
    left.hlines.push(baseline.clone());
    left.notes.push(
        Note::new(
            format!("first dose: {first_peak:.0}%"),
            (first_t / DAY, first_peak),
            Anchor::Left,
        )
        .marked(green),
    );
    let dip_text = |v: f64| {
        if v < 100.0 {
            format!("dips to {v:.0}% between doses")
        } else {
            format!("lowest between doses: {v:.0}%")
        }
    };
    left.notes
        .push(Note::new(dip_text(dip), (dip_t / DAY, dip), Anchor::BelowLeft).marked(green));

    let mut right = Panel::new(
        "End of use and after stopping",
        Axis::linear("Time since the first dose (days)", from_d, end_d, 1.0),
        y,
    );
    right.legend = false;
    right.series.push(Series::of(
        Quantity::Dopamine,
        None,
        run.line(da, 0.0, DAY, from_d, end_d),
    ));
    right.dose_ticks = run.doses(0.0, DAY);
    right.hlines.push(baseline);
    right
        .vlines
        .push(Rule::new(last_d, Some("last dose".into())));
    right.notes.push(
        Note::new(
            format!("withdrawal trough {trough:.0}%, {trough_after_h:.0} h after the last dose"),
            (trough_t / DAY, trough),
            Anchor::BelowRight,
        )
        .marked(green),
    );
    if use_dip_t / DAY >= from_d {
        right.notes.push(
            // Shorter than on the left: the last doses sit close to the right panel's left
            // edge, and a long note there covers the fall after the last dose.
            Note::new(
                format!("between doses: {use_dip:.0}%"),
                (use_dip_t / DAY, use_dip),
                Anchor::BelowLeft,
            )
            .marked(green),
        );
    }
    let title = if dip < 100.0 {
        format!("Each dose lifts dopamine; between doses it dips below baseline, and after stopping to {trough:.0}%")
    } else if use_dip < 100.0 {
        format!("Each dose lifts dopamine; later it dips below baseline between doses, and after stopping to {trough:.0}%")
    } else if trough < 100.0 {
        format!("Each dose lifts dopamine; after stopping it falls below baseline, to {trough:.0}%")
    } else {
        "Each dose lifts dopamine".to_string()
    };
    let between = if use_dip < 100.0 {
        format!(
            "Between doses it falls back, and dips below baseline ({use_dip:.0}% at its lowest during use)."
        )
    } else {
        format!(
            "Between doses it falls back but, in this model, stays above baseline while use goes on (lowest {use_dip:.0}%)."
        )
    };
    let figure = Figure {
        title,
        subtitle: "Model of nucleus accumbens dopamine with 10 mg heroin IV every 8 h for 14 days, then stop.".into(),
        columns: vec![
            Column {
                heading: None,
                weight: 1.0,
                panels: vec![left],
            },
            Column {
                heading: None,
                weight: 1.25,
                panels: vec![right],
            },
        ],
        footer: footer(model),
    };
    let caption = format!(
        "Nucleus accumbens dopamine, as % of the drug-free baseline, with 10 mg IV heroin every 8 hours for 14 days and then none (scenario `{text}`); left the first three days, right the end of use. \
         Each dose raises dopamine, less as tolerance grows ({first_peak:.0}% after the first dose, {last_peak:.0}% after the last). {between} \
         After the last dose dopamine falls to a withdrawal trough of {trough:.0}% about {trough_after_h:.0} hours later and is still {end_value:.0}% at day {end_d:.0}: the low mood of withdrawal that another dose would relieve."
    );
    Ok(Built {
        figure,
        caption,
        alt: "Dopamine over the first three days of use and around the end of use".into(),
    })
}
