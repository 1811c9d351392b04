//! Breathing and the overdose read-out (issue 9): the properties the mechanism implies, beside
//! the published targets in `models/validation.toml` (target 21).

use opioid_sim::model::Model;
use opioid_sim::regimen::Regimen;
use opioid_sim::simulation::{simulate, summarize, BreathingBand, SimOptions, Summary};

fn model() -> Model {
    Model::default_heroin().expect("the built-in model loads")
}

fn summary(text: &str, observe_h: f64) -> Summary {
    let regimen = Regimen::parse(text).expect("regimen");
    summarize(&model(), &regimen, observe_h).expect("runs")
}

#[test]
fn ventilation_stays_between_zero_and_baseline() {
    let m = model();
    for text in [
        "10mg iv q8h x 3d then 2mg fentanyl iv",
        "32mg buprenorphine sublingual then 10mg iv",
        "150mg methadone oral then wait 4h then 4mg naloxone intranasal q3min x 2",
    ] {
        let regimen = Regimen::parse(text).expect("regimen");
        let tr = simulate(&m, &regimen, &SimOptions::fine()).expect("runs");
        for &v in &tr.ventilation_pct_baseline {
            assert!(v > 0.0 && v <= 100.0, "{text}: ventilation {v}");
        }
        for &f in &tr.breathing_tolerance_fold {
            assert!(f >= 1.0 && f.is_finite(), "{text}: breathing fold {f}");
        }
    }
}

#[test]
fn the_read_out_separates_an_overdose_from_a_therapeutic_dose() {
    let fentanyl = summary("0.5mg fentanyl iv", 6.0);
    assert!(fentanyl.life_threatening);
    assert_eq!(fentanyl.breathing_band, BreathingBand::LifeThreatening);
    assert!(fentanyl.minutes_life_threatening >= 2.0);
    assert!(fentanyl.min_ventilation_at_h < 0.25);
    let morphine = summary("10mg morphine iv", 12.0);
    assert!(!morphine.life_threatening);
    assert_eq!(morphine.minutes_life_threatening, 0.0);
    assert_eq!(morphine.breathing_band, BreathingBand::Depressed);
    let nothing = summary("wait 1h", 1.0);
    assert_eq!(nothing.min_ventilation_pct_baseline, 100.0);
    assert_eq!(nothing.breathing_band, BreathingBand::NearNormal);
}

#[test]
fn naloxone_shortens_a_fentanyl_overdose_and_a_second_spray_helps_more() {
    let none = summary("0.5mg fentanyl iv then wait 3min", 3.0);
    let one = summary(
        "0.5mg fentanyl iv then wait 3min then 4mg naloxone intranasal",
        3.0,
    );
    let two = summary(
        "0.5mg fentanyl iv then wait 3min then 4mg naloxone intranasal q3min x 2",
        3.0,
    );
    assert!(one.minutes_life_threatening < none.minutes_life_threatening);
    assert!(two.minutes_life_threatening <= one.minutes_life_threatening);
}

#[test]
fn mixed_doses_depress_breathing_more_than_either_alone() {
    let heroin = summary("10mg heroin iv", 6.0).min_ventilation_pct_baseline;
    let fentanyl = summary("0.1mg fentanyl iv", 6.0).min_ventilation_pct_baseline;
    let both = summary("10mg heroin iv + 0.1mg fentanyl iv", 6.0).min_ventilation_pct_baseline;
    assert!(
        both < heroin.min(fentanyl),
        "{both} vs {heroin}, {fentanyl}"
    );
}

#[test]
fn a_partial_agonist_levels_off_where_a_full_agonist_does_not() {
    let low = |text: &str| summary(text, 24.0).min_ventilation_pct_baseline;
    let bup = low("16mg buprenorphine sublingual") - low("64mg buprenorphine sublingual");
    let fen = low("0.1mg fentanyl iv") - low("0.4mg fentanyl iv");
    assert!(
        bup < 6.0,
        "buprenorphine 16 -> 64 mg lowers breathing by {bup} points"
    );
    assert!(
        fen > 10.0,
        "fentanyl 0.1 -> 0.4 mg lowers breathing by {fen} points"
    );
}

#[test]
fn the_last_dose_is_read_apart_from_the_first_doses() {
    // The first of 42 doses, taken by a naive person, is the run's lowest point; the last
    // dose, taken with two weeks of tolerance, depresses breathing less.
    let s = summary("10mg iv q8h x 14d", 12.0);
    assert!(s.min_ventilation_at_h < 1.0);
    assert!(s.min_ventilation_pct_baseline_after_last_dose > s.min_ventilation_pct_baseline + 2.0);
    let single = summary("10mg morphine iv", 12.0);
    assert_eq!(
        single.min_ventilation_pct_baseline_after_last_dose,
        single.min_ventilation_pct_baseline
    );
}
