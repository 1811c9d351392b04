//! `wanting-vs-dependence`: the two halves of "can one use make you addicted?". One dose leaves
//! a learned wanting that lasts while physical dependence stays unfelt; repeated use grows
//! both; after stopping, withdrawal fades within days while wanting lasts for weeks.

use super::shared::*;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let window_d = 60.0;
    let end_h = window_d * DAY;
    let one = Run::new(model, "10mg iv", end_h, MIN)?;
    let rep_text = "10mg iv q8h x 14d";
    let rep_last = Regimen::parse(rep_text)?.last_dose_h().unwrap_or(0.0);
    let rep = Run::new(model, rep_text, end_h - rep_last, MIN)?;
    let week = 7.0 * DAY;
    let month = 30.0 * DAY;

    // Numbers read from the runs.
    let one_w7 = one.at(&one.traj.wanting, week);
    let (one_wd_t, one_wd) = one.peak(&one.traj.withdrawal_score, 0.0, end_h);
    let rep_w_end = rep.at(&rep.traj.wanting, rep.last_h);
    let rep_w_month = rep.at(&rep.traj.wanting, rep.last_h + month);
    let (rep_wd_t, rep_wd) = rep.peak(&rep.traj.withdrawal_score, rep.last_h, end_h);
    let mild = mild_threshold();
    let resolved_d = rep
        .first_below(&rep.traj.withdrawal_score, rep_wd_t, mild)
        .map(|t| (t - rep.last_h) / DAY);
    let (rep_c_t, rep_c) = rep.peak(&rep.traj.craving, rep.last_h, end_h);
    let da_first = one.peak(&one.traj.dopamine_pct_baseline, 0.0, 2.0).1;
    let da_last = rep
        .peak(
            &rep.traj.dopamine_pct_baseline,
            rep.last_h,
            rep.last_h + 2.0,
        )
        .1;
    let top_wd = score_axis(one_wd.max(rep_wd)).max;
    let da_top = round_up(
        rep.traj
            .dopamine_pct_baseline
            .iter()
            .chain(&one.traj.dopamine_pct_baseline)
            .copied()
            .fold(100.0, f64::max),
    );

    let x = Axis {
        min: -1.0,
        ..Axis::linear("Time since the first dose (days)", 0.0, window_d, 10.0)
    };
    let column = |run: &Run| -> Vec<Panel> {
        let doses = run.doses(0.0, DAY);
        let last_d = run.last_h / DAY;
        let make = |title: &str, y: Axis, x_labels: bool| {
            let mut p = Panel::new(title, x.clone(), y);
            p.x_labels = x_labels;
            p.legend = false;
            p.dose_ticks = doses.clone();
            p.vlines.push(Rule::new(last_d, None));
            p
        };
        let mut da = make(
            "Liking: dopamine (% of baseline)",
            Axis::linear("dopamine (%)", 0.0, da_top, 50.0),
            false,
        );
        da.series.push(Series::of(
            Quantity::Dopamine,
            None,
            run.line(&run.traj.dopamine_pct_baseline, 0.0, DAY, -1.0, window_d),
        ));
        da.vlines[0].label = Some("last dose".into());
        let mut w = make("Wanting and craving", fraction_axis("wanting"), false);
        w.legend = true;
        w.series.push(Series::of(
            Quantity::Wanting,
            Some("wanting (learned)".into()),
            run.line(&run.traj.wanting, 0.0, DAY, -1.0, window_d),
        ));
        w.series.push(Series::line(
            Some("craving (now)".into()),
            Quantity::Craving.color(),
            Dash::Dashed,
            run.line(&run.traj.craving, 0.0, DAY, -1.0, window_d),
        ));
        let mut wd = make("Withdrawal score", score_axis(top_wd), true);
        wd.y.max = top_wd;
        wd.y.ticks.retain(|&t| t <= top_wd);
        wd.series.push(Series::of(
            Quantity::Withdrawal,
            None,
            run.line(&run.traj.withdrawal_score, 0.0, DAY, -1.0, window_d),
        ));
        vec![da, w, wd.with_cows_bands()]
    };

    let mut left = column(&one);
    let mut right = column(&rep);
    left[0].notes.push(
        Note::new(
            format!("peak {da_first:.0}%"),
            (0.0, da_first),
            Anchor::Right,
        )
        .marked(Quantity::Dopamine.color()),
    );
    right[0].notes.push(
        Note::new(
            format!("last dose {da_last:.0}%"),
            (rep.last_h / DAY, da_last),
            Anchor::AboveRight,
        )
        .marked(Quantity::Dopamine.color()),
    );
    left[1].notes.push(
        Note::new(
            format!("{one_w7:.2} a week later"),
            (week / DAY, one_w7),
            Anchor::AboveRight,
        )
        .marked(Quantity::Wanting.color()),
    );
    right[1].notes.push(
        Note::new(
            format!("{rep_w_end:.2} at the last dose"),
            (rep.last_h / DAY, rep_w_end),
            Anchor::Below,
        )
        .marked(Quantity::Wanting.color()),
    );
    right[1].notes.push(
        Note::new(
            format!("{rep_w_month:.2} a month after stopping"),
            ((rep.last_h + month) / DAY, rep_w_month),
            Anchor::Below,
        )
        .marked(Quantity::Wanting.color()),
    );
    left[2].notes.push(
        Note::new(
            format!("peak {one_wd:.1}: {}", verdict(one_wd)),
            (one_wd_t / DAY, one_wd),
            Anchor::AboveRight,
        )
        .marked(Quantity::Withdrawal.color()),
    );
    let gone = resolved_d.map_or_else(
        || format!("not gone within {:.0} days", window_d - rep.last_h / DAY),
        |d| format!("below {mild:.0} after {d:.0} days"),
    );
    right[2].notes.push(
        Note::new(
            format!("peak {rep_wd:.0}, {gone}"),
            (rep_wd_t / DAY, rep_wd),
            Anchor::Right,
        )
        .marked(Quantity::Withdrawal.color()),
    );

    let title = format!(
        "One dose starts wanting ({one_w7:.2} a week later) with {}; stopping after two weeks: withdrawal goes, wanting stays",
        verdict(one_wd)
    );
    let figure = Figure {
        title,
        subtitle: "Model of 10 mg heroin IV taken once (left) or every 8 h for 14 days and then stopped (right); same axes on both sides. Wanting (0-1) is a teaching quantity, not a measured one.".into(),
        columns: vec![
            Column::headed("One 10 mg IV dose", 1.0, left),
            Column::headed("10 mg IV every 8 h for 14 days, then stop", 1.0, right),
        ],
        footer: footer(model),
    };
    let resolved_text = resolved_d.map_or_else(
        || format!("does not fall below {mild:.0} within the window"),
        |d| format!("is below {mild:.0} again {d:.0} days after the last dose"),
    );
    let caption = format!(
        "One 10 mg IV heroin dose (left, scenario `10mg iv`) and 10 mg IV every 8 hours for 14 days, then stop (right, `{rep_text}`): the dopamine surge of a dose (liking, top) teaches a learned wanting for the drug (middle, 0-1), and one dose leaves {one_w7:.2} a week later while the withdrawal score (bottom) peaks at only {one_wd:.1} ({}). \
         With repeated use tolerance blunts the surge (the last dose peaks at {da_last:.0}% of baseline against {da_first:.0}% for the first) while wanting keeps growing, to {rep_w_end:.2} at the last dose, and dependence builds. \
         After stopping, withdrawal peaks at {rep_wd:.0} ({}) and {resolved_text}; craving (dashed: wanting raised by withdrawal) peaks at {rep_c:.2} on day {:.0} after the last dose, and wanting is still {rep_w_month:.2} a month later. \
         So one use can start addiction (wanting) while physical dependence needs repeated use; this is a teaching model of mechanisms (Redish 2004; Robinson & Berridge 1993; Saal, Dong, Bonci & Malenka 2003; Koob & Le Moal 2001), not a prediction for any person.",
        verdict(one_wd),
        Band::of(rep_wd).name(),
        (rep_c_t - rep.last_h) / DAY,
    );
    Ok(Built {
        figure,
        caption,
        alt: "Two columns of three panels (dopamine, wanting and craving, withdrawal score) for one dose and for two weeks of use then stopping, over 60 days".into(),
    })
}
