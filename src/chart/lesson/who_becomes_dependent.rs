//! `who-becomes-dependent`: in a cohort of virtual people, the share with withdrawal at least
//! mild and at least moderate after stopping, against days of use, for 1-4 doses a day.

use rayon::prelude::*;

use super::shared::*;
use crate::chart::bands::pct;
use crate::cohort::Population;

/// Virtual people per point. Each person runs 28 days at four frequencies with a fork at each
/// stop day, so the chart costs about `PEOPLE` x 270 simulated days.
const PEOPLE: u64 = 1000;
/// The cohort's seed (the same people at every point: common random numbers).
const SEED: u64 = 1;
/// Days of use after which a fork of each person stops.
const STOP_DAYS: [u32; 10] = [1, 2, 3, 4, 5, 7, 10, 14, 21, 28];
/// How long each stop is followed: withdrawal after heroin peaks within 3 days.
const OBSERVE_D: f64 = 4.0;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let population = Population::new(crate::model::DEFAULT_MODEL_TOML, "models/heroin.toml")?;
    // For each person: for each frequency, the peak score after each stop day.
    let peaks: Vec<Vec<Vec<f64>>> = (1..=PEOPLE)
        .into_par_iter()
        .map(|subject| -> Result<Vec<Vec<f64>>, ChartError> {
            let person = population.model_for(&population.draw(SEED, subject))?;
            DOSES_A_DAY
                .iter()
                .map(|&(_, q)| peaks_after_stopping(&person, q, &STOP_DAYS, OBSERVE_D))
                .collect()
        })
        .collect::<Result<_, _>>()?;
    let mild = mild_threshold();
    let moderate = Band::Moderate.range().0;
    // share[f][level][k]: share of people at frequency f with a peak at least `level` after
    // stop day k.
    let share = |f: usize, level: f64, k: usize| {
        peaks.iter().filter(|p| p[f][k] >= level).count() as f64 / PEOPLE as f64
    };
    let max_days = f64::from(STOP_DAYS[STOP_DAYS.len() - 1]);
    let mut panels = Vec::new();
    for (level, what) in [(mild, "mild"), (moderate, "moderate")] {
        let mut panel = Panel::new(
            format!("Withdrawal at least {what} (score {level:.0} or more)"),
            Axis::linear("Use before stopping (days)", 0.0, max_days, 7.0),
            Axis::linear("People (%)", 0.0, 100.0, 25.0),
        );
        panel.x.minor = (0..=STOP_DAYS[STOP_DAYS.len() - 1])
            .map(f64::from)
            .collect();
        for (f, &(per_day, q)) in DOSES_A_DAY.iter().enumerate() {
            let pts: Vec<(f64, f64)> = STOP_DAYS
                .iter()
                .enumerate()
                .map(|(k, &d)| (f64::from(d), 100.0 * share(f, level, k)))
                .collect();
            let (color, dash, shape) = doses_a_day_style(f);
            let mut line = Series::line(
                Some(format!(
                    "{} a day (q{q}h)",
                    plural(f64::from(per_day), "dose", "doses")
                )),
                color,
                dash,
                pts.clone(),
            );
            line.mark = Some(shape);
            panel.series.push(line);
            panel.markers.push(Markers {
                label: None,
                color,
                shape,
                points: pts,
            });
        }
        panels.push(panel);
    }
    // Facts for the title and caption, read from the shares.
    let first_day = |f: usize, level: f64, at_least: f64| {
        STOP_DAYS
            .iter()
            .enumerate()
            .find(|(k, _)| share(f, level, *k) >= at_least)
            .map(|(_, &d)| d)
    };
    let three = DOSES_A_DAY.iter().position(|f| f.0 == 3).unwrap_or(2);
    let half_mild = first_day(three, mild, 0.5);
    let once_daily_28 = share(0, mild, STOP_DAYS.len() - 1);
    let title = match half_mild {
        Some(d) => format!(
            "Who becomes dependent: at 3 doses a day, half of {PEOPLE} people have withdrawal after {}",
            plural(f64::from(d), "day", "days")
        ),
        None => format!("Who becomes dependent: {PEOPLE} people, 1-4 doses a day"),
    };
    let day1 = pct(share(DOSES_A_DAY.len() - 1, mild, 0));
    let four_mod_28 = pct(share(DOSES_A_DAY.len() - 1, moderate, STOP_DAYS.len() - 1));
    let figure = Figure {
        title,
        subtitle: format!(
            "Model: {PEOPLE} virtual people who differ in morphine clearance and volume and in receptor sensitivity (seed {SEED}); 10 mg heroin IV 1-4 times a day, then stop; each point is the share whose highest withdrawal score in the {OBSERVE_D:.0} days after stopping reaches the line."
        ),
        columns: vec![
            Column::single(vec![panels.remove(0)]),
            Column::single(vec![panels.remove(0)]),
        ],
        footer: footer(model),
    };
    let caption = format!(
        "The same {PEOPLE} virtual people (log-normal morphine clearance and volume, CV 26%, and receptor sensitivity, CV 40%: see MODEL.md) take 10 mg IV heroin 1, 2, 3 or 4 times a day and stop after 1 to {max_days:.0} days (scenarios such as `10mg iv q8h x 5d`); the left panel counts who then has at least mild withdrawal (COWS {mild:.0}), the right at least moderate ({moderate:.0}). \
         After one day of 4 doses, {day1} reach mild withdrawal; after {max_days:.0} days at 4 a day, {four_mod_28} reach moderate; once a day for {max_days:.0} days, {} reach mild. \
         Dependence is not all or nothing: the same schedule makes some people dependent sooner than others, and more use makes it likely for nearly everyone. A teaching cohort, not an epidemiological estimate.",
        pct(once_daily_28)
    );
    Ok(Built {
        figure,
        caption,
        alt: "Share of a virtual cohort with mild and with moderate withdrawal after stopping, against days of use, for one to four doses a day".into(),
    })
}
