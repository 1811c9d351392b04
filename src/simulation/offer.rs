//! Use that follows wanting: one person offered doses, who takes each with a probability that
//! rises with craving at that moment.
//!
//! The person is simulated offer by offer. At each offer the running [`Simulation`] is
//! advanced to the offer's time and its state read: craving there (cue-triggered wanting,
//! raised by withdrawal; [`Model::observe`]) gives the probability of taking the dose,
//! [`Model::take_probability`] (Luce's choice rule between the drug's current value and the
//! value of the alternatives, the model file's `wanting.alternative_value`: the law's one free
//! parameter). A draw from the caller's uniform source decides; a dose taken is given to the
//! simulation at the offer's time, a dose declined is not, and the same person goes on to the
//! next offer. Doses `given` are taken whatever the craving (a history of use, or a first dose);
//! with no such doses the first offered dose is taken (a first-time user's first dose is given,
//! issue 11) and every later offer is a choice.
//!
//! Randomness comes only from the caller's source, one draw per offer that is a choice, in
//! offer order, so a run is a deterministic function of the source's values and independent of
//! any random-number crate. The [`Summary`] is that of the doses taken, run again from a
//! drug-naive start on the one-minute grid of [`summarize`](super::summarize) (the decisions'
//! own run stops at every offer, which moves the solver's steps by rounding only).

use super::{run_scheduled, SimError, SimOptions, Simulation, Summary, SummaryBuilder};
use crate::dose::Dose;
use crate::model::Model;

/// What the uniform source must return: a number in `[0, 1)`.
pub const UNIFORM_SOURCE: &str = "a uniform random number in [0, 1)";

/// One offer and what the person did.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// The dose offered (its time is the time of the offer).
    pub dose: Dose,
    /// Craving (0..1) just before the offer.
    pub craving: f64,
    /// Probability of taking it; 1 for a dose that is not a choice (the first dose of a
    /// first-time user).
    pub probability: f64,
    /// Whether it was taken.
    pub taken: bool,
}

/// One person's run: every offer with its decision, the doses taken and their summary.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferedUse {
    /// The offers, in time order.
    pub offers: Vec<Offer>,
    /// Every dose taken, the given ones included, in time order.
    pub taken: Vec<Dose>,
    /// The summary of the doses taken, observed until `observe_h` after the last of them and
    /// at least until the last offer.
    pub summary: Summary,
}

/// Runs one person: `given` doses are taken, each of the `offered` doses is taken with the
/// probability [`Model::take_probability`] of the craving at its time (the first offered dose
/// without certainty when `given` is empty), deciding with `uniform()` (which must return a
/// number in `[0, 1)`; a dose is taken when the number is below the probability). Both lists
/// must be in time order. The summary is observed for `observe_h` after the last dose taken,
/// and at least until the last offer.
pub fn run_offered(
    model: &Model,
    given: &[Dose],
    offered: &[Dose],
    observe_h: f64,
    uniform: &mut dyn FnMut() -> f64,
) -> Result<OfferedUse, SimError> {
    super::check_observe(observe_h)?;
    for (name, list) in [("given doses", given), ("offered doses", offered)] {
        if list.windows(2).any(|w| {
            w[0].time_h.partial_cmp(&w[1].time_h) == Some(std::cmp::Ordering::Greater)
                || w[0].time_h.is_nan()
                || w[1].time_h.is_nan()
        }) {
            return Err(SimError::Option {
                option: name,
                value: "out of time order".into(),
                expected: "doses sorted by time".into(),
            });
        }
    }
    let tolerances = SimOptions::default().tolerances;
    let mut sim = Simulation::new(model, tolerances);
    for dose in given {
        sim.give(dose)?;
    }
    // The decisions read the state only at offers: one grid point far beyond any run.
    let no_grid_h = 1e9;
    let mut offers = Vec::with_capacity(offered.len());
    for (i, dose) in offered.iter().enumerate() {
        sim.advance(dose.time_h, no_grid_h, &mut |_| {})?;
        let craving = model.observe(sim.state()).craving;
        let (probability, taken) = if i == 0 && given.is_empty() {
            (1.0, true)
        } else {
            let probability = model.take_probability(craving);
            let u = uniform();
            if !(0.0..1.0).contains(&u) {
                return Err(SimError::Option {
                    option: "uniform source",
                    value: format!("{u}"),
                    expected: UNIFORM_SOURCE.into(),
                });
            }
            (probability, u < probability)
        };
        if taken {
            sim.give(dose)?;
        }
        offers.push(Offer {
            dose: dose.clone(),
            craving,
            probability,
            taken,
        });
    }
    // The doses taken, in time order (given and offered doses may interleave).
    let mut taken: Vec<Dose> = given
        .iter()
        .chain(offers.iter().filter(|o| o.taken).map(|o| &o.dose))
        .cloned()
        .collect();
    taken.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
    let last_taken = taken.last().map_or(0.0, |d| d.time_h);
    let last_offer = offered.last().map_or(0.0, |d| d.time_h);
    let t_end = (last_taken + observe_h).max(last_offer);
    let description = format!(
        "{} of {} offered doses taken{}",
        offers.iter().filter(|o| o.taken).count(),
        offers.len(),
        if given.is_empty() {
            String::new()
        } else {
            format!(", after {} given", given.len())
        }
    );
    let mut builder = SummaryBuilder::for_doses(model, &taken, description);
    let mut rerun = Simulation::new(model, tolerances);
    for dose in &taken {
        rerun.give(dose)?;
    }
    run_scheduled(rerun, t_end, &SimOptions::fine(), &mut |s| builder.push(s))?;
    Ok(OfferedUse {
        offers,
        taken,
        summary: builder.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regimen::Regimen;

    fn model() -> Model {
        Model::default_heroin().expect("model")
    }

    fn doses(text: &str) -> Vec<Dose> {
        Regimen::parse(text).expect("regimen").doses().to_vec()
    }

    /// A fixed sequence of numbers, repeated.
    fn cycle(values: &[f64]) -> impl FnMut() -> f64 + '_ {
        let mut i = 0;
        move || {
            i += 1;
            values[(i - 1) % values.len()]
        }
    }

    #[test]
    fn the_first_offer_of_a_first_time_user_is_taken_and_asks_for_no_draw() {
        let m = model();
        let mut draws = 0;
        let mut never = || {
            draws += 1;
            0.999_999
        };
        let run = run_offered(&m, &[], &doses("10mg iv q24h x 5d"), 24.0, &mut never).expect("run");
        assert!(run.offers[0].taken && run.offers[0].probability == 1.0);
        assert_eq!(draws, 4, "one draw per offer after the first");
        // Craving after one dose is far below 0.999999: nothing else is taken.
        assert_eq!(run.taken.len(), 1);
        assert!(run.offers[1..].iter().all(|o| !o.taken && o.craving > 0.0));
        assert_eq!(run.summary.doses, 1);
    }

    #[test]
    fn runs_are_deterministic_given_the_uniform_source() {
        let m = model();
        let offered = doses("10mg iv q24h x 10d");
        let values = [0.3, 0.9, 0.05, 0.6, 0.2];
        let a = run_offered(&m, &[], &offered, 48.0, &mut cycle(&values)).expect("run");
        let b = run_offered(&m, &[], &offered, 48.0, &mut cycle(&values)).expect("run");
        assert_eq!(a, b);
        // Always below the probability: every dose is taken, and the summary is the regimen's.
        let all = run_offered(&m, &[], &offered, 48.0, &mut || 0.0).expect("run");
        assert_eq!(all.taken, offered);
        let fixed = crate::simulation::summarize(
            &m,
            &Regimen::parse("10mg iv q24h x 10d").expect("regimen"),
            48.0,
        )
        .expect("summary");
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-4 * (1.0 + y.abs());
        assert!(close(
            all.summary.peak_withdrawal_score,
            fixed.peak_withdrawal_score
        ));
        assert!(close(all.summary.wanting_at_end, fixed.wanting_at_end));
    }

    #[test]
    fn the_take_probability_rises_with_craving_from_0_to_1() {
        let m = model();
        let mut previous = -1.0;
        for i in 0..=100 {
            let c = f64::from(i) / 100.0;
            let p = m.take_probability(c);
            assert!(p > previous || (i == 0 && p == 0.0), "{c}: {p}");
            assert!((0.0..=1.0).contains(&p));
            previous = p;
        }
        assert_eq!(m.take_probability(1.0), 1.0);
    }

    #[test]
    fn craving_and_so_the_take_probability_rise_with_use_and_withdrawal() {
        let m = model();
        // Offers every 8 h after two weeks of use: the first offers come as withdrawal sets in.
        let given = doses("10mg iv q8h x 14d");
        let offered = doses("wait 336h then 10mg iv q8h x 3d");
        let used = run_offered(&m, &given, &offered, 24.0, &mut || 0.999_999).expect("run");
        let naive =
            run_offered(&m, &doses("10mg iv"), &offered, 24.0, &mut || 0.999_999).expect("run");
        for (u, n) in used.offers.iter().zip(&naive.offers) {
            assert!(u.probability > n.probability, "{u:?} {n:?}");
            assert!(!u.taken && !n.taken);
        }
    }

    #[test]
    fn a_bad_uniform_number_or_order_is_an_error() {
        let m = model();
        let offered = doses("10mg iv q24h x 3d");
        for bad in [1.0, -0.1, f64::NAN] {
            let e = run_offered(&m, &[], &offered, 24.0, &mut || bad).expect_err("bad draw");
            assert!(e.to_string().contains("uniform source"), "{e}");
        }
        let mut reversed = offered.clone();
        reversed.reverse();
        assert!(run_offered(&m, &[], &reversed, 24.0, &mut || 0.5).is_err());
    }
}
