//! Probe doses: how a person at some point of a regimen would respond to one extra dose.
//!
//! A probe forks the running [`Simulation`] (the original is left untouched), gives the dose at
//! its time and follows the fork for a window. Dose-response curves under tolerance are built
//! this way: one fork per probe dose, all from the same person at the same moment.
//!
//! Doses still scheduled on the simulation stay scheduled in the fork: to probe "instead of the
//! next dose", build the simulation without it (e.g. schedule `10mg iv q8h x 7d` and probe at
//! 168 h, when the next dose would have been due).

use super::{Sample, SimError, Simulation};
use crate::regimen::Dose;

/// Forks `sim`, gives `dose` at `dose.time_h` (not before the simulation's current time), follows
/// the fork to `dose.time_h + window_h` on a `dt_h` grid, and reports every sample from the dose
/// on to `sink`.
pub fn probe<S>(
    sim: &Simulation<'_>,
    dose: &Dose,
    window_h: f64,
    dt_h: f64,
    sink: &mut S,
) -> Result<(), SimError>
where
    S: FnMut(&Sample<'_>),
{
    if !(window_h.is_finite() && window_h > 0.0) {
        return Err(SimError::Option {
            option: "probe window",
            value: format!("{window_h} h"),
            expected: "a positive duration".into(),
        });
    }
    let mut fork = sim.clone();
    fork.give(dose)?;
    let start = dose.time_h;
    fork.advance(start + window_h, dt_h, &mut |s: &Sample<'_>| {
        if s.time_h >= start {
            sink(s);
        }
    })
}

/// The highest MOR activation (0..1) within `window_h` of giving `dose` to a fork of `sim`,
/// sampled every 30 s (the peak after an IV dose comes within minutes).
pub fn peak_activation_after(
    sim: &Simulation<'_>,
    dose: &Dose,
    window_h: f64,
) -> Result<f64, SimError> {
    let mut peak: f64 = 0.0;
    probe(sim, dose, window_h, 0.5 / 60.0, &mut |s| {
        peak = peak.max(s.obs.receptor.activation);
    })?;
    Ok(peak)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dose::Route;
    use crate::model::Model;
    use crate::regimen::Regimen;
    use crate::simulation::SimOptions;

    fn dose(time_h: f64, amount_mg: f64) -> Dose {
        Dose {
            time_h,
            amount_mg,
            drug: "heroin".into(),
            route: Route::Iv,
        }
    }

    #[test]
    fn probing_leaves_the_simulation_untouched_and_grows_with_dose() {
        let model = Model::default_heroin().expect("model");
        let mut sim = Simulation::new(&model, SimOptions::default().tolerances);
        sim.schedule(&Regimen::parse("10mg iv q8h x 1d").expect("regimen"), 0.0)
            .expect("schedule");
        sim.advance(24.0, 0.25, &mut |_| {}).expect("advance");
        let before = sim.state().clone();
        let small = peak_activation_after(&sim, &dose(24.0, 0.1), 2.0).expect("probe");
        let large = peak_activation_after(&sim, &dose(24.0, 10.0), 2.0).expect("probe");
        assert_eq!(sim.state(), &before);
        assert!(
            small > 0.0 && small < large && large <= 1.0,
            "{small} {large}"
        );
    }

    #[test]
    fn a_probe_in_the_past_is_an_error() {
        let model = Model::default_heroin().expect("model");
        let mut sim = Simulation::new(&model, SimOptions::default().tolerances);
        sim.advance(5.0, 1.0, &mut |_| {}).expect("advance");
        assert!(peak_activation_after(&sim, &dose(1.0, 10.0), 1.0).is_err());
        assert!(peak_activation_after(&sim, &dose(5.0, 10.0), 0.0).is_err());
    }
}
