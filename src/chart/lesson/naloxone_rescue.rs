//! `naloxone-rescue`: a fentanyl overdose with and without 4 mg intranasal naloxone, and a
//! methadone overdose where naloxone wears off before methadone does (re-narcotization).

use super::shared::*;

/// One rescue: the same overdose with and without naloxone.
struct Rescue {
    with: Run,
    without: Run,
    /// When naloxone is given (h from the start).
    naloxone_h: f64,
}

/// The ventilation column of a run.
fn v(r: &Run) -> &[f64] {
    &r.traj.ventilation_pct_baseline
}

impl Rescue {
    fn new(model: &Model, overdose: &str, wait: &str, window_h: f64) -> Result<Rescue, ChartError> {
        let with_text = format!("{overdose} then wait {wait} then 4mg naloxone intranasal");
        let with = Run::new(model, &with_text, window_h, MIN / 4.0)?;
        let naloxone_h = with.last_h;
        let without = Run::new(model, overdose, naloxone_h + window_h, MIN / 4.0)?;
        Ok(Rescue {
            with,
            without,
            naloxone_h,
        })
    }
}

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let threat = model.pd.life_threatening_pct;
    let fentanyl = Rescue::new(model, "0.5mg fentanyl iv", "3min", 1.5)?;
    let methadone = Rescue::new(model, "150mg methadone oral", "4h", 8.0)?;
    let color = Quantity::Breathing.color();
    let panel = |title: &str, rescue: &Rescue, end_h: f64, unit_h: f64, step: f64, unit: &str| {
        let x = Axis::linear(
            format!("Time after the overdose ({unit})"),
            0.0,
            end_h / unit_h,
            step,
        );
        let mut p = Panel::new(
            title.to_string(),
            x,
            Axis::linear("ventilation (% of baseline)", 0.0, 100.0, 20.0),
        )
        .with_breathing_bands(threat);
        p.series.push(shaded(
            "no naloxone".into(),
            REFERENCE,
            Dash::Dashed,
            rescue.without.line(
                &rescue.without.traj.ventilation_pct_baseline,
                0.0,
                unit_h,
                0.0,
                end_h / unit_h,
            ),
        ));
        p.series.push(shaded(
            "4 mg naloxone intranasal".into(),
            color,
            Dash::Solid,
            rescue.with.line(
                &rescue.with.traj.ventilation_pct_baseline,
                0.0,
                unit_h,
                0.0,
                end_h / unit_h,
            ),
        ));
        p.vlines.push(Rule::new(
            rescue.naloxone_h / unit_h,
            Some("naloxone".into()),
        ));
        p
    };
    let fent_end = 1.5;
    let meth_end = 12.0;
    let top = panel(
        "0.5 mg fentanyl IV, naloxone after 3 min",
        &fentanyl,
        fent_end,
        MIN,
        15.0,
        "min",
    );
    let bottom = panel(
        "150 mg methadone by mouth, naloxone after 4 h",
        &methadone,
        meth_end,
        1.0,
        2.0,
        "h",
    );
    // Fentanyl: how long until breathing is back above the life-threatening level.
    let back_min = fentanyl
        .with
        .traj
        .time_h
        .iter()
        .zip(v(&fentanyl.with))
        .find(|(t, y)| **t > fentanyl.naloxone_h && **y >= threat)
        .map(|(t, _)| (t - fentanyl.naloxone_h) * 60.0);
    let (_, fent_low) = fentanyl.without.trough(v(&fentanyl.without), 0.0, fent_end);
    let below_without = fentanyl
        .without
        .traj
        .time_h
        .iter()
        .zip(v(&fentanyl.without))
        .filter(|(t, y)| **t <= fent_end && **y < threat)
        .count() as f64
        * 0.25;
    // Methadone: the best ventilation naloxone gives, and where it is 3 h and 6 h later.
    let m = &methadone;
    let (best_t, best) = m.with.peak(v(&m.with), m.naloxone_h, m.naloxone_h + 3.0);
    let later = m.with.at(v(&m.with), m.naloxone_h + 3.0);
    let latest = m.with.at(v(&m.with), m.naloxone_h + 6.0);
    let latest_without = m.without.at(v(&m.without), m.naloxone_h + 6.0);
    let before = m.with.at(v(&m.with), m.naloxone_h);
    let title = format!(
        "Naloxone restores breathing within minutes, but wears off: methadone depresses it again ({:.0}% of baseline {:.0} min after naloxone, {:.0}% 6 h later)",
        best,
        (best_t - m.naloxone_h) * 60.0,
        latest
    );
    let back = back_min.map_or("does not bring breathing back above".to_string(), |b| {
        format!("lifts breathing back above {threat:.0}% within {b:.1} min")
    });
    let caption = format!(
        "Top: 0.5 mg of fentanyl IV in a person who has never used opioids (`0.5mg fentanyl iv then wait 3min then 4mg naloxone intranasal`) lowers breathing to {fent_low:.0}% of baseline within minutes and keeps it below the model's life-threatening level ({threat:.0}%) for {below_without:.0} min without naloxone; 4 mg of intranasal naloxone 3 min after the dose {back} (published: within 5 min). \
         Bottom: naloxone given 4 h after 150 mg of methadone by mouth (breathing at {before:.0}%) raises breathing to {best:.0}%, but naloxone is cleared with a half-life of about an hour and methadone over about a day, so breathing falls again: {later:.0}% 3 h after naloxone and {latest:.0}% after 6 h, against {latest_without:.0}% without naloxone. \
         One naloxone dose can wear off before the opioid does, which is why a person given naloxone must be watched and may need a repeat dose (`4mg naloxone intranasal q3min x 2`). \
         A teaching model: it cannot say what dose is safe for anyone."
    );
    Ok(Built {
        figure: Figure {
            title,
            subtitle: format!(
                "Model: ventilation at a fixed CO2; grey dashed without naloxone. Shaded: below {threat:.0}% of baseline (life-threatening in this model) and up to {:.0}%.",
                2.0 * threat
            ),
            columns: vec![Column::single(vec![top, bottom])],
            footer: footer(model),
        },
        caption,
        alt: "Ventilation after a fentanyl overdose and after a methadone overdose, with and without 4 mg intranasal naloxone".into(),
    })
}
