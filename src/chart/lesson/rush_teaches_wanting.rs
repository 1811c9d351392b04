//! `rush-teaches-wanting`: wanting learns from how fast dopamine rises, not from how much drug
//! arrives. IV and smoked heroin reach the brain within minutes and build wanting; oral
//! morphine and methadone raise dopamine over hours and build none (the rate of onset behind
//! abuse liability, and one reason why methadone can treat addiction).

use super::shared::*;

/// One schedule of the chart: its regimen, its legend label and its dash.
struct Schedule {
    text: &'static str,
    label: &'static str,
    /// The drug and route, for the dopamine panel.
    drug: &'static str,
    dash: Dash,
}

/// The schedules whose first dose the dopamine panel shows (the fastest and the slowest).
const SHOWN_IN_TOP: [usize; 2] = [0, 3];

/// Fastest first: the shades run from dark (fast) to light (slow).
const SCHEDULES: [Schedule; 4] = [
    Schedule {
        text: "10mg iv q8h x 28d",
        label: "heroin IV, 10 mg every 8 h",
        drug: "IV heroin",
        dash: Dash::Solid,
    },
    Schedule {
        text: "20mg smoked q8h x 28d",
        label: "heroin smoked, 20 mg every 8 h",
        drug: "smoked heroin",
        dash: Dash::Dashed,
    },
    Schedule {
        text: "30mg morphine oral q12h x 28d",
        label: "morphine by mouth, 30 mg every 12 h",
        drug: "oral morphine",
        dash: Dash::Dotted,
    },
    Schedule {
        text: "60mg methadone oral q24h x 28d",
        label: "methadone by mouth, 60 mg a day",
        drug: "oral methadone",
        dash: Dash::Solid,
    },
];

/// What the caption reads from one run.
struct Facts {
    /// Dopamine peak after the first dose (% of baseline) and when (h).
    peak_da: f64,
    peak_da_h: f64,
    /// Wanting at the last dose (0-1).
    wanting: f64,
}

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let first_h = 6.0;
    let days = 28.0;
    let runs: Vec<Run> = SCHEDULES
        .iter()
        .map(|s| Run::new(model, s.text, DAY, MIN))
        .collect::<Result<_, _>>()?;
    let facts: Vec<Facts> = runs
        .iter()
        .map(|r| {
            let (peak_da_h, peak_da) = r.peak(&r.traj.dopamine_pct_baseline, 0.0, first_h);
            Facts {
                peak_da,
                peak_da_h,
                wanting: r.at(&r.traj.wanting, r.last_h),
            }
        })
        .collect();
    let mut da_colors = shades(Quantity::Dopamine.color(), SCHEDULES.len());
    da_colors.reverse();
    let mut w_colors = shades(Quantity::Wanting.color(), SCHEDULES.len());
    w_colors.reverse();
    let da_top = round_up(facts.iter().map(|f| f.peak_da).fold(100.0, f64::max));

    let mut top = Panel::new(
        "First dose: dopamine, and the level it must outrun to teach",
        Axis::linear("Time after the first dose (h)", 0.0, first_h, 1.0),
        Axis::linear("dopamine (% of baseline)", 0.0, da_top, 50.0),
    );
    let mut bottom = Panel::new(
        "Wanting over four weeks of use",
        Axis::linear("Time since the first dose (days)", 0.0, days, 7.0),
        fraction_axis("wanting"),
    );
    // The level a rise must exceed to teach: max(R, baseline) + the burst threshold.
    let threshold_pct = 100.0 * model.pd.burst_threshold;
    for (k, ((s, run), f)) in SCHEDULES.iter().zip(&runs).zip(&facts).enumerate() {
        if SHOWN_IN_TOP.contains(&k) {
            top.series.push(shaded(
                format!("{}: dopamine", s.drug),
                da_colors[k],
                Dash::Solid,
                run.line(&run.traj.dopamine_pct_baseline, 0.0, 1.0, 0.0, first_h),
            ));
            let teaching: Vec<f64> = run
                .traj
                .dopamine_expected_pct_baseline
                .iter()
                .map(|r| r.max(100.0) + threshold_pct)
                .collect();
            top.series.push(shaded(
                format!("{}: level to outrun", s.drug),
                da_colors[k],
                Dash::Dotted,
                run.line(&teaching, 0.0, 1.0, 0.0, first_h),
            ));
            top.markers.push(Markers {
                label: None,
                color: da_colors[k],
                shape: Shape::Circle,
                points: vec![(f.peak_da_h, f.peak_da)],
            });
        }
        bottom.series.push(shaded(
            format!("{} ({:.2})", s.label, f.wanting),
            w_colors[k],
            s.dash,
            run.line(&run.traj.wanting, 0.0, DAY, 0.0, days),
        ));
    }
    bottom.weight = 1.3;

    let [iv, smoked, morphine, methadone] = [0, 1, 2, 3].map(|k| &facts[k]);
    // Morphine's brain-entry half-life, for the caveat about IV morphine.
    let morphine_entry_h = model
        .species_index("morphine")
        .and_then(|i| model.species[i].ligand.as_ref())
        .map_or(f64::NAN, |l| std::f64::consts::LN_2 / l.ke0_per_h);
    let when = |h: f64| {
        if h < 1.0 {
            format!("{:.0} min", h * 60.0)
        } else {
            format!("{h:.1} h")
        }
    };
    let title = format!(
        "Wanting follows the rush, not the amount: after 28 days {:.2} for IV heroin, {:.2} for oral morphine, {:.2} for methadone",
        iv.wanting, morphine.wanting, methadone.wanting
    );
    let caption = format!(
        "Four schedules for four weeks (`{}`, `{}`, `{}`, `{}`); top: after the first dose IV heroin lifts dopamine to {:.0}% of baseline within {}, far above the level it must outrun to teach (dotted: the level the brain expects, which follows dopamine within tens of minutes, plus a {:.0}% burst threshold), while 60 mg of methadone raises it over hours ({:.0}% at {}) and the expected level keeps up. \
         Bottom: so after 28 days IV and smoked use have built a learned wanting of {:.2} and {:.2} (each dose a prediction error the drug's pharmacology renews; the rate of onset behind abuse liability, Volkow & Swanson 2003), and oral morphine ({:.0}% at {} after the first dose) and methadone, whose slow rises barely cross that level, {:.2} and {:.2}. \
         That is one reason why a slow, steady opioid such as methadone can treat addiction instead of feeding it; in this model IV morphine enters the brain slowly (half-life {:.1} h) and so builds almost no wanting either, which is not believable (ARCHITECTURE.md, Known tensions). \
         A teaching model of mechanisms, not a prediction for any person.",
        SCHEDULES[0].text,
        SCHEDULES[1].text,
        SCHEDULES[2].text,
        SCHEDULES[3].text,
        iv.peak_da,
        when(iv.peak_da_h),
        threshold_pct,
        methadone.peak_da,
        when(methadone.peak_da_h),
        iv.wanting,
        smoked.wanting,
        morphine.peak_da,
        when(morphine.peak_da_h),
        morphine.wanting,
        methadone.wanting,
        morphine_entry_h,
    );
    Ok(Built {
        figure: Figure {
            title,
            subtitle: "Model: dopamine after the first dose of IV heroin and of oral methadone, each with the level it must outrun to teach (top), and learned wanting over 28 days (bottom, 0-1, a teaching quantity).".into(),
            columns: vec![Column::single(vec![top, bottom])],
            footer: footer(model),
        },
        caption,
        alt: "Dopamine after a first dose and wanting over 28 days for IV heroin, smoked heroin, oral morphine and methadone".into(),
    })
}
