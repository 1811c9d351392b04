//! `pk-metabolites`: plasma heroin, 6-MAM and morphine after one IV dose.

use super::shared::*;

/// Elimination half-life (h) of a species given alone: ln 2 V / CL, or for two compartments the
/// terminal phase.
fn half_life_h(model: &Model, species: usize) -> f64 {
    let s = &model.species[species];
    let k10 = s.k_el();
    match s.peripheral {
        Some((vp, q)) => {
            let k12 = q / s.volume_l;
            let k21 = q / vp;
            let sum = k10 + k12 + k21;
            let beta = 0.5 * (sum - (sum * sum - 4.0 * k10 * k21).max(0.0).sqrt());
            std::f64::consts::LN_2 / beta
        }
        None => std::f64::consts::LN_2 / k10,
    }
}

fn duration_text(h: f64) -> String {
    if h < 1.0 {
        format!("{:.0} min", h * 60.0)
    } else {
        format!("{h:.1} h")
    }
}

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let hours = 4.0;
    let run = Run::new(model, "10mg iv", hours, 0.5 * MIN)?;
    let peak_all = run
        .traj
        .plasma_ng_ml
        .iter()
        .flat_map(|c| c.iter().copied())
        .fold(0.0, f64::max);
    let y = Axis::log(
        "concentration (ng/mL, log scale)",
        0.1,
        round_up(peak_all.max(1.0)),
    );
    let x = Axis::linear("Time after the dose (h)", 0.0, hours, 0.5);
    let mut panel = Panel::new("Plasma concentration", x, y);
    let mut facts = Vec::new();
    for (i, sp) in model.species.iter().enumerate() {
        let c = &run.traj.plasma_ng_ml[i];
        // Only the compounds a heroin dose becomes (not naloxone, methadone, ...).
        if !c.iter().any(|&v| v > 0.0) {
            continue;
        }
        let color = crate::chart::style::species_color(&sp.name, i);
        let t_half = half_life_h(model, i);
        panel.series.push(Series {
            label: Some(sp.label.clone()),
            color,
            dash: Dash::Solid,
            weight: 1.0,
            points: run.line(c, 0.0, 1.0, 0.0, hours),
            mark: None,
        });
        let (tp, cp) = run.peak(c, 0.0, hours);
        // Label each curve two half-lives after its peak (or at 3 h for slow ones), beside it.
        let t_note = (tp + 2.0 * t_half).min(hours * 0.7).max(tp);
        let c_note = run.at(c, t_note);
        let phase = if sp.peripheral.is_some() {
            " (terminal)"
        } else {
            ""
        };
        panel.notes.push(
            Note::new(
                format!("{}: half-life {}{phase}", sp.label, duration_text(t_half)),
                (t_note, c_note),
                Anchor::AboveRight,
            )
            .marked(color),
        );
        facts.push((sp.label.clone(), t_half, tp, cp));
    }
    let heroin_i = model.species_index("heroin");
    let mam_i = model.species_index("mam6");
    let mor_i = model.species_index("morphine");
    let (title, detail) = match (heroin_i, mam_i, mor_i) {
        (Some(h), Some(m), Some(mo)) => {
            let (_, th, _, _) = facts[h];
            let (_, tm, tpm, cpm) = facts[m];
            let (_, tmo, _, _) = facts[mo];
            let cross = run
                .traj
                .time_h
                .iter()
                .enumerate()
                .find(|&(k, &t)| {
                    t > tpm && run.traj.plasma_ng_ml[m][k] < run.traj.plasma_ng_ml[mo][k]
                })
                .map(|(_, &t)| t);
            let cross_text = cross.map_or_else(
                || "throughout the first hours".to_string(),
                |t| format!("for the first {:.0} minutes", t * 60.0),
            );
            (
                if th < tm && tm < tmo {
                    format!(
                        "Heroin lasts minutes (half-life {}); 6-MAM and then morphine take over",
                        duration_text(th)
                    )
                } else {
                    "Heroin, 6-MAM and morphine in the blood after one IV dose".to_string()
                },
                {
                    // MOR activation peaks while 6-MAM still leads, in this model?
                    let (t_act, _) = run.peak(&run.traj.mor_activation, 0.0, hours);
                    let lead = if cross.is_none_or(|c| t_act < c) {
                        format!(
                            ", a window that includes the peak of MOR activation ({:.0} min after the dose)",
                            t_act * 60.0
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "6-MAM peaks at {cpm:.0} ng/mL {:.0} minutes after the dose and stays above morphine {cross_text}{lead}.",
                        tpm * 60.0
                    )
                },
            )
        }
        _ => ("Plasma levels after one IV dose".to_string(), String::new()),
    };
    let figure = Figure {
        title,
        subtitle: "Model of one 10 mg heroin IV dose: plasma levels of heroin and what the body turns it into.".into(),
        columns: vec![Column::single(vec![panel])],
        footer: footer(model),
    };
    let caption = format!(
        "Plasma heroin, 6-MAM and morphine after one 10 mg IV heroin dose (scenario `10mg iv`), on a logarithmic scale, where a constant half-life is a straight line. \
         Heroin is a prodrug: it is turned into 6-MAM within minutes, and 6-MAM into morphine. \
         {detail} \
         Half-lives are the model's elimination half-lives; morphine's is its terminal phase."
    );
    Ok(Built {
        figure,
        caption,
        alt: "Plasma heroin, 6-MAM and morphine over four hours on a log scale".into(),
    })
}
