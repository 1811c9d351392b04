//! Cohorts of people offered the drug (use that follows wanting, issue 11): what each person
//! did with the offers, and the shares a cohort reports.
//!
//! Each subject is drawn as in any cohort; the scenario's regimen is given (a first dose, or a
//! history of use and a time without the drug), and its offered doses, timed from the end of
//! the regimen, are taken or declined by [`run_offered`] from the subject's
//! [`Stream::Choices`]. Besides the summary fields, each row
//! gets what the scenario's [`Track`] follows:
//!
//! | Track | Field | Meaning |
//! |---|---|---|
//! | first use | `daily_use_by_week_8` | took 7 offers in a row within 8 weeks of the first dose (the offers are daily) |
//! | first use | `dependent_by_week_8` | physically dependent: withdrawal of 5 or more between doses, or after the last dose taken within the 8 weeks |
//! | relapse | `relapsed_3_months`, `relapsed_12_months` | took an offered dose within 90 / 365 days of the first offer |
//! | both | `offers_taken` | how many offers the person took |
//!
//! The fields of the other track are empty, so the cohort's shares of them are `null`.

use rand::RngExt as _;

use super::people::{stream, Stream};
use super::table::Cell;
use super::CohortError;
use crate::dose::Dose;
use crate::model::Model;
use crate::regimen::Regimen;
use crate::scenario::{Offers, Track};
use crate::simulation::{run_offered, OfferedUse, WITHDRAWAL_THRESHOLD};

/// The yes/no fields an offered cohort adds, whose shares the cohort report gives (`null` when
/// the scenario's track does not follow them).
pub const SHARE_FIELDS: [&str; 4] = [
    "daily_use_by_week_8",
    "dependent_by_week_8",
    "relapsed_3_months",
    "relapsed_12_months",
];

/// Hours in 8 weeks, 90 days and 365 days.
const WEEK_8_H: f64 = 56.0 * 24.0;
const MONTHS_3_H: f64 = 90.0 * 24.0;
const MONTHS_12_H: f64 = 365.0 * 24.0;
/// Offers taken in a row that count as daily use (with daily offers: a week).
const DAILY_RUN: usize = 7;

/// Runs one subject of an offered scenario: the person's offers, doses and summary, and the
/// track's fields (in [`SHARE_FIELDS`] order, then `offers_taken`).
pub fn run(
    model: &Model,
    given: &Regimen,
    offers: &Offers,
    observe_h: f64,
    seed: u64,
    subject: u64,
) -> Result<(OfferedUse, Vec<(String, Cell)>), CohortError> {
    let start_h = given.span_h();
    let offered: Vec<Dose> = offers
        .regimen
        .doses()
        .iter()
        .map(|d| Dose {
            time_h: d.time_h + start_h,
            ..d.clone()
        })
        .collect();
    let mut rng = stream(seed, subject, Stream::Choices);
    let run = run_offered(model, given.doses(), &offered, observe_h, &mut || {
        rng.random::<f64>()
    })
    .map_err(|source| CohortError::Simulation { subject, source })?;
    let first_dose_h = given.doses().first().map_or(start_h, |d| d.time_h);
    let yes = Cell::Bool;
    let (mut daily, mut dependent, mut relapsed_3, mut relapsed_12) =
        (Cell::Null, Cell::Null, Cell::Null, Cell::Null);
    match offers.track {
        Track::FirstUse => {
            let within: Vec<bool> = run
                .offers
                .iter()
                .filter(|o| o.dose.time_h - first_dose_h <= WEEK_8_H)
                .map(|o| o.taken)
                .collect();
            let mut longest = 0;
            let mut current = 0;
            for taken in within {
                current = if taken { current + 1 } else { 0 };
                longest = longest.max(current);
            }
            daily = yes(longest >= DAILY_RUN);
            let s = &run.summary;
            dependent = yes(s
                .peak_withdrawal_score_during_use
                .max(s.peak_withdrawal_score)
                >= WITHDRAWAL_THRESHOLD);
        }
        Track::Relapse => {
            let first_offer_h = offered.first().map_or(start_h, |d| d.time_h);
            let relapse_h = run
                .offers
                .iter()
                .find(|o| o.taken)
                .map(|o| o.dose.time_h - first_offer_h);
            relapsed_3 = yes(relapse_h.is_some_and(|h| h < MONTHS_3_H));
            relapsed_12 = yes(relapse_h.is_some_and(|h| h < MONTHS_12_H));
        }
    }
    let taken = run.offers.iter().filter(|o| o.taken).count();
    let cells = SHARE_FIELDS
        .iter()
        .zip([daily, dependent, relapsed_3, relapsed_12])
        .map(|(name, cell)| (name.to_string(), cell))
        .chain(std::iter::once((
            "offers_taken".to_string(),
            Cell::Num(taken as f64),
        )))
        .collect();
    Ok((run, cells))
}
