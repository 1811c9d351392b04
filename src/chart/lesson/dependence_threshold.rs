//! `dependence-threshold`: peak withdrawal against days of use, for 1-4 doses a day.

use super::shared::*;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let max_days = 28u32;
    let observe_d = 7.0;
    let dt_h = 15.0 * MIN;
    let tolerances = SimOptions::default().tolerances;
    // The peak after the last dose of `regimen`, from samples starting at that dose (the
    // summary's definition: after the relief the last dose gives).
    let peak_from = |sim: &Simulation<'_>, regimen: &Regimen| -> Result<f64, ChartError> {
        let last = regimen.last_dose_h().unwrap_or(0.0);
        let mut fork = sim.clone();
        let mut builder = SummaryBuilder::new(model, regimen);
        fork.advance(last + observe_d * DAY, dt_h, &mut |s| builder.push(s))?;
        Ok(builder.finish().peak_withdrawal_score)
    };
    let single = {
        let regimen = Regimen::parse("10mg iv")?;
        let mut sim = Simulation::new(model, tolerances);
        sim.schedule(&regimen, 0.0)?;
        peak_from(&sim, &regimen)?
    };
    let days: Vec<u32> = (1..=max_days).collect();
    let mut lines = Vec::new();
    for (per_day, q) in DOSES_A_DAY {
        let peaks = peaks_after_stopping(model, q, &days, observe_d)?;
        let pts: Vec<(f64, f64)> = days.iter().map(|&d| f64::from(d)).zip(peaks).collect();
        lines.push((per_day, q, pts));
    }
    let top = lines
        .iter()
        .flat_map(|l| l.2.iter().map(|p| p.1))
        .fold(single, f64::max);
    let mut panel = Panel::new(
        "Peak withdrawal score after stopping",
        Axis::linear("Use before stopping (days)", 0.0, f64::from(max_days), 7.0),
        score_axis(top),
    )
    .with_cows_bands();
    for b in &mut panel.bands {
        b.label = None;
    }
    panel.y.minor = Vec::new();
    panel.x.minor = (0..=max_days).map(f64::from).collect();
    let mild = mild_threshold();
    let moderate = Band::Moderate.range().0;
    for (at, name) in [(mild, "mild"), (moderate, "moderate")] {
        panel.hlines.push(Rule {
            at,
            label: Some(format!("{name} withdrawal ({at:.0})")),
            color: INK,
            dash: Dash::Dashed,
        });
    }
    let crossing = |pts: &[(f64, f64)], level: f64| pts.iter().find(|p| p.1 >= level).map(|p| p.0);
    let mut facts = Vec::new();
    for (k, (per_day, q, pts)) in lines.iter().enumerate() {
        let label = format!(
            "{} a day (q{q}h)",
            plural(f64::from(*per_day), "dose", "doses")
        );
        let (color, dash, shape) = doses_a_day_style(k);
        let mut line = shaded(label, color, dash, pts.clone());
        line.mark = Some(shape);
        panel.series.push(line);
        panel.markers.push(Markers {
            label: None,
            color,
            shape,
            points: pts
                .iter()
                .filter(|p| p.0 as u32 % 7 == 0)
                .copied()
                .collect(),
        });
        facts.push((
            *per_day,
            crossing(pts, mild),
            crossing(pts, moderate),
            pts.last().map_or(f64::NAN, |p| p.1),
        ));
    }
    panel.markers.push(Markers {
        label: None,
        color: INK,
        shape: Shape::Diamond,
        points: vec![(0.0, single)],
    });
    // Above the lines' first days (all below the mild threshold there), not on them.
    panel.notes.push(Note::new(
        format!("a single dose (day 0): {single:.1}"),
        (0.0, (mild + moderate) / 2.0),
        Anchor::Left,
    ));
    let describe = |f: &(u32, Option<f64>, Option<f64>, f64)| -> String {
        let who = plural(f64::from(f.0), "dose", "doses");
        match (f.1, f.2) {
            (Some(m), Some(mo)) => format!(
                "with {who} a day, withdrawal reaches mild after {} and moderate after {}",
                plural(m, "day", "days"),
                plural(mo, "day", "days")
            ),
            (Some(m), None) => format!(
                "with {who} a day, withdrawal reaches mild after {} but never moderate (peak at most {:.0})",
                plural(m, "day", "days"),
                f.3
            ),
            _ => format!(
                "with {who} a day, withdrawal stays below mild for {max_days} days (peak at most {:.1})",
                f.3
            ),
        }
    };
    // Whether every line only rises (allowing for rounding): then "up to a plateau" is true.
    let rising = lines
        .iter()
        .all(|l| l.2.windows(2).all(|w| w[1].1 >= w[0].1 - 0.05));
    let closing = if rising {
        "More doses a day and more days of use both push withdrawal up, until the adaptation levels off."
    } else {
        "More doses a day push withdrawal up; longer use does too at first, but in this model the peak falls a little again with the longest use."
    };
    let three = facts.iter().find(|f| f.0 == 3);
    let title = match three.and_then(|f| f.1) {
        Some(d) => format!(
            "Dependence takes days: at 3 doses a day, withdrawal reaches mild after {}",
            plural(d, "day", "days")
        ),
        None => "Dependence takes days of repeated use".to_string(),
    };
    let all = facts.iter().map(describe).collect::<Vec<_>>().join("; ");
    let figure = Figure {
        title,
        subtitle: format!(
            "Model: the highest withdrawal score after stopping 10 mg heroin IV taken 1-4 times a day for 1-{max_days} days."
        ),
        columns: vec![Column::single(vec![panel])],
        footer: footer(model),
    };
    let caption = format!(
        "Each day along a line is one simulation (markers every 7 days): 10 mg IV heroin 1, 2, 3 or 4 times a day (every 24, 12, 8 or 6 hours) for 1 to {max_days} days, then stop (scenarios such as `10mg iv q8h x 5d`), and the highest withdrawal score in the {observe_d:.0} days after the last dose; the dashed lines are the COWS thresholds for mild ({mild:.0}) and moderate ({moderate:.0}) withdrawal. \
         A single dose peaks at {single:.1}. In the model, {all}. \
         {closing}"
    );
    Ok(Built {
        figure,
        caption,
        alt: "Peak withdrawal score against days of use for one to four doses a day, with mild and moderate thresholds".into(),
    })
}
