//! `first-use-to-dependence`: a cohort of first-time users offered the drug once a day: who
//! goes on, who does not.

use rayon::prelude::*;

use super::shared::*;
use crate::chart::bands::pct;
use crate::cohort::offers;
use crate::cohort::Population;
use crate::scenario::Scenario;

/// First-time users in the cohort (as in the calibration of `wanting.alternative_value`).
const PEOPLE: u64 = 1000;
/// The cohort's seed.
const SEED: u64 = 1;

pub(super) fn build(model: &Model) -> Result<Built, ChartError> {
    let scenario = Scenario::built_in("first-use")
        .ok_or_else(|| ChartError::Cohort("the first-use scenario is missing".into()))?
        .map_err(|e| ChartError::Cohort(e.to_string()))?;
    let offers_of = scenario
        .offers
        .as_ref()
        .ok_or_else(|| ChartError::Cohort("first-use offers no doses".into()))?;
    let observe_h = scenario.observe_h.unwrap_or(10.0 * DAY);
    let population = Population::new(crate::model::DEFAULT_MODEL_TOML, "models/heroin.toml")?;
    // For each person: which offers they took (in order), and whether they were dependent and
    // in daily use by week 8.
    let people: Vec<(Vec<bool>, bool, bool)> = (1..=PEOPLE)
        .into_par_iter()
        .map(|subject| -> Result<_, ChartError> {
            let person = population.model_for(&population.draw(SEED, subject))?;
            let (run, cells) = offers::run(
                &person,
                &scenario.regimen,
                offers_of,
                observe_h,
                SEED,
                subject,
            )
            .map_err(|e| ChartError::Cohort(e.to_string()))?;
            let flag = |name: &str| {
                cells
                    .iter()
                    .any(|(n, c)| n == name && *c == crate::cohort::Cell::Bool(true))
            };
            Ok((
                run.offers.iter().map(|o| o.taken).collect(),
                flag("daily_use_by_week_8"),
                flag("dependent_by_week_8"),
            ))
        })
        .collect::<Result<_, _>>()?;
    let n = PEOPLE as f64;
    let offers_count = people.first().map_or(0, |p| p.0.len());
    // Day k of the offers is day k + 1 after the first dose (the first offer comes a day later).
    let day_of = |k: usize| (k + 1) as f64;
    let taking: Vec<(f64, f64)> = std::iter::once((0.0, 100.0))
        .chain((0..offers_count).map(|k| {
            let took = people.iter().filter(|p| p.0[k]).count() as f64;
            (day_of(k), 100.0 * took / n)
        }))
        .collect();
    // Cumulative: people who have taken 7 offers in a row by each day.
    let daily_by: Vec<(f64, f64)> = (0..offers_count)
        .map(|k| {
            let count = people
                .iter()
                .filter(|p| {
                    let mut run = 0;
                    p.0[..=k].iter().any(|&t| {
                        run = if t { run + 1 } else { 0 };
                        run >= 7
                    })
                })
                .count() as f64;
            (day_of(k), 100.0 * count / n)
        })
        .collect();
    let share_daily = people.iter().filter(|p| p.1).count() as f64 / n;
    let share_dependent = people.iter().filter(|p| p.2).count() as f64 / n;
    let none_after_first = people.iter().filter(|p| !p.0.iter().any(|&t| t)).count() as f64 / n;
    let end_day = day_of(offers_count.saturating_sub(1));
    let mut panel = Panel::new(
        "First-time users (%)",
        Axis::linear("Time since the first dose (days)", 0.0, end_day, 7.0),
        Axis::linear("People (%)", 0.0, 100.0, 25.0),
    );
    panel.series.push(Series::of(
        Quantity::Wanting,
        Some("took the offered dose that day".into()),
        taking,
    ));
    panel.series.push(Series::line(
        Some("have used 7 days in a row by then".into()),
        Quantity::Withdrawal.color(),
        Dash::Dashed,
        daily_by,
    ));
    panel.hlines.push(Rule {
        at: 100.0 * share_dependent,
        label: Some(format!(
            "physically dependent by week 8: {}",
            pct(share_dependent)
        )),
        color: INK,
        dash: Dash::Dotted,
    });
    let figure = Figure {
        title: format!(
            "After a first dose, some go on and most do not: {} of {PEOPLE} people dependent by week 8",
            pct(share_dependent)
        ),
        subtitle: format!(
            "Model: {PEOPLE} virtual first-time users (seed {SEED}) are given 10 mg heroin IV once, then offered it once a day for 8 weeks; each takes an offer with a probability that rises with craving."
        ),
        columns: vec![Column::single(vec![panel])],
        footer: footer(model),
    };
    let caption = format!(
        "{PEOPLE} virtual people who differ in their pharmacology take a first 10 mg IV dose and are then offered it once a day (the `first-use` scenario: `10mg iv` then offers of `10mg iv q24h x 55d`); each offer is taken with a probability that rises with craving, the learned wanting the doses leave, raised by withdrawal once the body has adapted. \\
         {} never take an offered dose, {} reach daily use (7 days in a row) and {} are physically dependent by week 8, the share calibrated to the 23% of people who ever used heroin and became dependent (Anthony, Warner & Kessler 1994); the one calibrated parameter is the value of the alternatives. \\
         One dose starts the wanting in everyone, but whether it grows into daily use and dependence depends on the next choices, which is the teaching point, not a prediction for any person.",
        pct(none_after_first),
        pct(share_daily),
        pct(share_dependent)
    );
    Ok(Built {
        figure,
        caption,
        alt: "Share of a cohort of first-time users taking the offered dose each day over eight weeks, and the share in daily use by then".into(),
    })
}
