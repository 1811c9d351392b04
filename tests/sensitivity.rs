//! The local sensitivity analysis finds every documented parameter and gives elasticities with
//! the signs the mechanism implies.

use opioid_sim::model::DEFAULT_MODEL_TOML;
use opioid_sim::regimen::Regimen;
use opioid_sim::sensitivity::{analyse, Report, SensitivityError, OUTPUTS};

fn report() -> Report {
    let regimen = Regimen::parse("10mg iv q8h x 14d").expect("regimen");
    analyse(
        DEFAULT_MODEL_TOML,
        "heroin.toml",
        &regimen,
        12.0 * 24.0,
        0.1,
    )
    .expect("analysis runs")
}

fn elasticity(r: &Report, parameter: &str, output: &str) -> f64 {
    let k = OUTPUTS.iter().position(|o| *o == output).expect("output");
    r.rows
        .iter()
        .find(|row| row.parameter == parameter)
        .unwrap_or_else(|| panic!("parameter {parameter} not found"))
        .elasticity[k]
        .expect("defined")
}

#[test]
fn finds_every_parameter_of_the_model_file() {
    let r = report();
    let documented = DEFAULT_MODEL_TOML.matches("confidence = ").count();
    assert_eq!(r.rows.len(), documented, "one row per documented parameter");
    assert!(r
        .rows
        .iter()
        .any(|row| row.parameter == "species.morphine.clearance" && row.unit == "L/h"));
}

#[test]
fn elasticities_have_the_signs_of_the_mechanism() {
    let r = report();
    // More signalling lost -> a larger potency shift.
    assert!(
        elasticity(
            &r,
            "tolerance.max_signalling_loss",
            "tolerance_fold_at_last_dose"
        ) > 0.5
    );
    // A faster counter-adaptation -> worse withdrawal; a slower decay -> withdrawal lasts
    // longer. (Its largest size hardly matters: homeostasis, not the ceiling, sets how far it
    // grows at ordinary doses.)
    assert!(elasticity(&r, "dependence.gain_half_life", "peak_withdrawal_score") < -0.3);
    assert!(elasticity(&r, "dependence.decay_half_life", "withdrawal_resolved_h") > 0.5);
    // Faster morphine clearance -> the drug wanes sooner -> earlier onset.
    assert!(elasticity(&r, "species.morphine.clearance", "withdrawal_onset_h") < 0.0);
    // Routes not used by an IV regimen change nothing.
    assert_eq!(
        elasticity(
            &r,
            "drug.heroin.route.oral.bioavailability",
            "peak_withdrawal_score"
        ),
        0.0
    );
}

#[test]
fn a_bad_step_is_an_error() {
    let regimen = Regimen::parse("10mg iv").expect("regimen");
    for step in [0.0, -0.1, 0.9, f64::NAN] {
        let e = analyse(DEFAULT_MODEL_TOML, "heroin.toml", &regimen, 24.0, step);
        assert!(matches!(e, Err(SensitivityError::Step(_))), "step {step}");
    }
}
