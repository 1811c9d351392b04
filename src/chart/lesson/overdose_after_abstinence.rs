//! `overdose-after-abstinence`: the habitual dose on the last day of two weeks of use, and the
//! same dose after one and three weeks off: breathing and MOR activation after each.

use super::shared::*;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let window_h = 2.0;
    let dt_h = 0.5 * MIN;
    let cases: [(&str, &str); 3] = [
        ("last day of use", "10mg iv q8h x 14d"),
        (
            "after 1 week off",
            "10mg iv q8h x 14d then wait 7d then 10mg iv",
        ),
        (
            "after 3 weeks off",
            "10mg iv q8h x 14d then wait 21d then 10mg iv",
        ),
    ];
    let runs = cases
        .iter()
        .map(|(_, text)| Run::new(model, text, window_h, dt_h))
        .collect::<Result<Vec<Run>, ChartError>>()?;
    let threat = model.pd.life_threatening_pct;
    let to_min = 60.0;
    let x = Axis::linear("Time after the dose (min)", 0.0, window_h * to_min, 15.0);
    let mut breathing = Panel::new(
        "Breathing (ventilation at a fixed CO2)",
        x.clone(),
        Axis::linear("(% of baseline)", 0.0, 100.0, 20.0),
    )
    .with_breathing_bands(threat);
    breathing.x_labels = false;
    let mut activation = Panel::new("MOR activation", x, Axis::linear("(0-1)", 0.0, 1.0, 0.25));
    activation.legend = false;
    let breath_colors = shades(Quantity::Breathing.color(), runs.len());
    let act_colors = shades(Quantity::Activation.color(), runs.len());
    let dashes = [Dash::Dotted, Dash::Dashed, Dash::Solid];
    let mut lows = Vec::new();
    for (k, (run, (label, _))) in runs.iter().zip(cases).enumerate() {
        let (t, low) = run.trough(
            &run.traj.ventilation_pct_baseline,
            run.last_h,
            run.last_h + window_h,
        );
        let (_, peak) = run.peak(&run.traj.mor_activation, run.last_h, run.last_h + window_h);
        lows.push((low, peak));
        breathing.series.push(shaded(
            label.to_string(),
            breath_colors[k],
            dashes[k],
            run.line(
                &run.traj.ventilation_pct_baseline,
                run.last_h,
                1.0 / to_min,
                0.0,
                window_h * to_min,
            ),
        ));
        // The lowest points lie close together: label the first and the last case only.
        if k != 1 {
            let anchor = if k == 0 {
                Anchor::AboveRight
            } else {
                Anchor::BelowRight
            };
            breathing.notes.push(
                Note::new(
                    format!("{:.0}%", low),
                    ((t - run.last_h) * to_min, low),
                    anchor,
                )
                .marked(breath_colors[k]),
            );
        }
        activation.series.push(shaded(
            label.to_string(),
            act_colors[k],
            dashes[k],
            run.line(
                &run.traj.mor_activation,
                run.last_h,
                1.0 / to_min,
                0.0,
                window_h * to_min,
            ),
        ));
    }
    let (last, one, three) = (lows[0], lows[1], lows[2]);
    let deeper = three.0 < last.0 && one.0 < last.0;
    let title = if deeper {
        format!(
            "After weeks off, the habitual dose hits breathing harder: lowest {:.0}% of baseline on the last day of use, {:.0}% after 1 week off, {:.0}% after 3",
            last.0, one.0, three.0
        )
    } else {
        "The habitual dose after weeks off, and on the last day of use".to_string()
    };
    let figure = Figure {
        title,
        subtitle: format!(
            "Model: 10 mg heroin IV every 8 h for 14 days; the same 10 mg dose on the last day, after 1 week and after 3 weeks without use. Shaded: below {threat:.0}% of baseline (life-threatening in this model) and up to {:.0}%.",
            2.0 * threat
        ),
        columns: vec![Column::single(vec![breathing, activation])],
        footer: footer(model),
    };
    let caption = format!(
        "Tolerance fades over weeks once use stops (half-time about two weeks in the model), but the habit of the old dose can stay: the same 10 mg IV heroin dose lowers breathing to {:.0}% of baseline on the last day of two weeks of use (`10mg iv q8h x 14d`; MOR activation peak {:.2}), to {:.0}% after one week off (peak {:.2}) and to {:.0}% after three weeks (`10mg iv q8h x 14d then wait 21d then 10mg iv`; peak {:.2}). \
         This is why overdose deaths crowd into the first weeks after release from prison or detoxification (Merrall and colleagues 2010; Binswanger and colleagues 2007). \
         Ventilation is read at a fixed CO2, as measured in volunteers, and the {threat:.0}% line is the model's life-threatening level. \
         A teaching model: it cannot say what dose is safe for anyone.",
        last.0, last.1, one.0, one.1, three.0, three.1
    );
    Ok(Built {
        figure,
        caption,
        alt: "Ventilation and MOR activation after a 10 mg heroin dose on the last day of two weeks of use and after one and three weeks off".into(),
    })
}
