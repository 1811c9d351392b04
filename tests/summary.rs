//! The summary's definitions: onset after the relief the last dose gives, the peak, resolution,
//! short windows, and dose bookkeeping with absorption lags.

use opioid_sim::model::Model;
use opioid_sim::regimen::Regimen;
use opioid_sim::simulation::{
    run, run_observables, simulate, summarize, Band, SimOptions, Summary, SummaryBuilder,
};

fn summary(text: &str, observe_h: f64) -> Summary {
    let model = Model::default_heroin().expect("model");
    summarize(&model, &Regimen::parse(text).expect("regimen"), observe_h).expect("summary")
}

/// The default time series (5-minute grid, 10 days after the last dose) of a regimen.
fn trajectory(text: &str) -> opioid_sim::simulation::Trajectory {
    let model = Model::default_heroin().expect("model");
    simulate(
        &model,
        &Regimen::parse(text).expect("regimen"),
        &SimOptions::default(),
    )
    .expect("runs")
}

#[test]
fn withdrawal_present_at_the_last_dose_is_use_not_withdrawal_after_stopping() {
    // A dependent person takes one more dose and is observed for 3 h: the dose relieves the
    // between-dose withdrawal, and no withdrawal after stopping is seen yet.
    let s = summary("10mg iv q8h x 14d then 10mg iv", 3.0);
    assert!(
        s.peak_withdrawal_score < 5.0,
        "peak {:.1}",
        s.peak_withdrawal_score
    );
    assert!(!s.physically_dependent);
    assert!(
        s.peak_withdrawal_score_during_use >= 5.0,
        "the pre-dose withdrawal counts as use"
    );
}

#[test]
fn resolution_is_found_even_when_the_last_dose_gives_no_relief() {
    let s = summary("10mg iv q8h x 14d then wait 12h then 0.1mg iv", 12.0 * 24.0);
    assert!(s.physically_dependent);
    let peak = s.withdrawal_peak_h.expect("peak");
    let resolved = s.withdrawal_resolved_h.expect("resolved within 12 days");
    assert!(resolved > peak);
    assert!(
        s.withdrawal_onset_h.expect("onset") < 1.0,
        "withdrawal was present at once"
    );
}

#[test]
fn a_short_window_reports_no_resolution() {
    let s = summary("10mg iv q8h x 14d", 24.0);
    assert!(s.physically_dependent);
    assert_eq!(s.withdrawal_resolved_h, None);
    assert!(s.withdrawal_peak_h.expect("peak") <= 24.0);
}

#[test]
fn bands_follow_the_cows_cut_offs() {
    for (score, band) in [
        (0.0, Band::None),
        (4.99, Band::None),
        (5.0, Band::Mild),
        (12.9, Band::Mild),
        (13.0, Band::Moderate),
        (25.0, Band::ModeratelySevere),
        (36.0, Band::ModeratelySevere),
        (36.5, Band::Severe),
        (48.0, Band::Severe),
    ] {
        assert_eq!(Band::of(score), band, "score {score}");
    }
}

#[test]
fn doses_count_from_when_they_are_taken_even_with_an_absorption_lag() {
    let model = Model::default_heroin().expect("model");
    let regimen = Regimen::parse("10mg oral q8h x 2").expect("regimen");
    let opts = SimOptions {
        observe_h: 1.0,
        dt_h: 1.0 / 12.0,
        ..SimOptions::default()
    };
    let t = simulate(&model, &regimen, &opts).expect("simulate");
    let i = t
        .time_h
        .iter()
        .position(|&x| (x - 8.0).abs() < 1e-9)
        .expect("sample at 8 h");
    assert_eq!(t.dose_number[i], 2);
    assert_eq!(t.time_after_dose_h[i], 0.0);
    assert_eq!(t.dose_number[i - 1], 1);
}

#[test]
fn advance_rejects_a_bad_grid_step_instead_of_looping() {
    use opioid_sim::simulation::{SimError, Simulation};
    let model = Model::default_heroin().expect("model");
    let mut sim = Simulation::new(&model, SimOptions::default().tolerances);
    for dt in [0.0, -1.0, f64::NAN] {
        let r = sim.advance(1.0, dt, &mut |_| {});
        assert!(
            matches!(r, Err(SimError::Option { option: "dt", .. })),
            "dt {dt}: {r:?}"
        );
    }
    let r = sim.advance(f64::INFINITY, 1.0, &mut |_| {});
    assert!(matches!(r, Err(SimError::Option { .. })), "{r:?}");
}

#[test]
fn withdrawal_is_timed_from_the_last_agonist_dose_not_from_naloxone() {
    let s = summary(
        "10mg iv q8h x 14d then 10mg iv then wait 6h then 0.4mg naloxone iv",
        12.0 * 24.0,
    );
    assert_eq!(s.last_dose_h, Some(342.0));
    assert_eq!(s.last_agonist_dose_h, Some(336.0));
    assert!(s.physically_dependent);
    let at = s.precipitated_at_h.expect("a naloxone dose");
    assert!((342.0..=344.0).contains(&at), "precipitated at {at} h");
    assert!(s.peak_precipitated_score.expect("a score") > 0.0);
}

#[test]
fn precipitated_withdrawal_is_null_without_an_antagonist_or_partial_agonist() {
    let s = summary("10mg iv q8h x 3d then 60mg methadone oral", 24.0);
    assert_eq!(s.peak_precipitated_score, None);
    assert_eq!(s.precipitated_at_h, None);
    // Methadone is a full agonist: the clock starts at its dose.
    assert_eq!(s.last_agonist_dose_h, s.last_dose_h);
    let s = summary("8mg buprenorphine sublingual", 24.0);
    assert!(
        s.peak_precipitated_score.is_some(),
        "buprenorphine is a partial agonist"
    );
}

#[test]
fn use_excludes_the_waits_between_phases() {
    // Withdrawal in a five-day break between two runs of use is not between-dose withdrawal.
    let text = "10mg iv q8h x 3d then wait 5d then 10mg iv q8h x 3d";
    let s = summary(text, 24.0);
    let tr = trajectory(text);
    let in_wait = tr
        .time_h
        .iter()
        .zip(&tr.withdrawal_score)
        .filter(|(t, _)| **t > 80.0 && **t < 192.0)
        .map(|(_, w)| *w)
        .fold(0.0, f64::max);
    assert!(in_wait >= 5.0, "the break holds withdrawal: {in_wait:.1}");
    assert!(
        s.peak_withdrawal_score_during_use < in_wait,
        "during use {:.1} should not include the break's {in_wait:.1}",
        s.peak_withdrawal_score_during_use
    );
}

#[test]
fn an_absorption_lag_is_not_read_as_relief() {
    // Oral morphine is absorbed after a 10 min lag; the score keeps rising for minutes after the
    // last dose, and that is not the start of withdrawal after stopping.
    let s = summary("30mg morphine oral q12h x 30d", 10.0 * 24.0);
    if let Some(onset) = s.withdrawal_onset_h {
        assert!(onset > 2.0, "onset {onset:.2} h after an oral dose");
    }
    let s = summary("60mg morphine oral q12h x 30d", 10.0 * 24.0);
    let onset = s.withdrawal_onset_h.expect("withdrawal after 60 mg oral");
    assert!(onset > 2.0, "onset {onset:.2} h after an oral dose");
}

#[test]
fn observe_ends_the_run_after_the_last_dose_even_inside_a_wait() {
    let s = summary("10mg iv q8h x 14d", 1.0);
    assert_eq!(s.observed_until_h, 329.0);
    let s = summary("10mg iv then wait 21d", 2.0);
    assert_eq!(s.observed_until_h, 2.0);
    let s = summary("wait 2d", 1.0);
    assert_eq!(s.observed_until_h, 48.0, "no doses: the regimen's span");
}

#[test]
fn a_slow_agonist_taken_in_withdrawal_is_timed_after_it_has_arrived() {
    // Sublingual buprenorphine 36 h after heroin: activation first keeps falling (heroin leaving
    // the brain), then rises as buprenorphine arrives. Withdrawal after it starts when it wanes,
    // not at the moment it was taken.
    let s = summary(
        "10mg iv q8h x 14d then 10mg iv then wait 36h then 8mg buprenorphine sublingual",
        4.0 * 24.0,
    );
    assert_eq!(s.last_agonist_dose_h, Some(372.0));
    let onset = s.withdrawal_onset_h.expect("withdrawal returns");
    assert!(onset > 2.0, "onset {onset:.2} h after buprenorphine");
}

#[test]
fn drugs_are_classified_by_what_they_become_at_the_receptor() {
    let model = Model::default_heroin().expect("model");
    let d = |name: &str| model.drug_index(name).expect("a drug");
    for agonist in ["heroin", "morphine", "methadone", "buprenorphine"] {
        assert!(model.drug_is_agonist(d(agonist)), "{agonist}");
    }
    assert!(!model.drug_is_agonist(d("naloxone")));
    // Heroin itself is a weak ligand; it counts as a full agonist through 6-MAM and morphine.
    for (drug, precipitates) in [
        ("heroin", false),
        ("morphine", false),
        ("methadone", false),
        ("naloxone", true),
        ("buprenorphine", true),
    ] {
        assert_eq!(model.drug_precipitates(d(drug)), precipitates, "{drug}");
    }
}

/// Regimens of every drug and route kind, with a precipitated withdrawal and a taper.
const PATH_REGIMENS: [&str; 6] = [
    "10mg iv q8h x 14d",
    "10mg iv q8h x 14d then 0.4mg naloxone iv",
    "10mg iv q8h x 7d then wait 12h then 8mg buprenorphine sublingual q24h x 3d",
    "60mg methadone oral q24h x 5d",
    "10mg smoked q8h x 3d then 4mg naloxone intranasal",
    "10mg heroin iv + 0.5mg fentanyl iv",
];

#[test]
fn the_summary_path_without_plasma_columns_is_the_plain_path_bit_for_bit() {
    // `summarize` runs without the plasma columns (`run_observables`); every sample's
    // observables, and so the summary, must be exactly those of the plain run.
    let model = Model::default_heroin().expect("model");
    let opts = SimOptions {
        observe_h: 72.0,
        ..SimOptions::fine()
    };
    for text in PATH_REGIMENS {
        let regimen = Regimen::parse(text).expect("regimen");
        let mut plain = Vec::new();
        let mut builder = SummaryBuilder::new(&model, &regimen);
        run(&model, &regimen, &opts, &mut |s| {
            assert_eq!(s.plasma_ng_ml.len(), model.species.len());
            plain.push((s.time_h, s.obs, s.dose_number, s.time_after_dose_h));
            builder.push(s);
        })
        .expect("run");
        let mut fast = Vec::new();
        run_observables(&model, &regimen, &opts, &mut |s| {
            assert!(s.plasma_ng_ml.is_empty());
            fast.push((s.time_h, s.obs, s.dose_number, s.time_after_dose_h));
        })
        .expect("run");
        assert_eq!(plain.len(), fast.len(), "{text}: sample count");
        for (p, f) in plain.iter().zip(&fast) {
            assert_eq!(p, f, "{text}: sample at {} h", p.0);
        }
        assert_eq!(
            builder.finish(),
            summarize(&model, &regimen, 72.0).expect("summary"),
            "{text}"
        );
    }
}

#[test]
fn the_precipitated_score_is_read_after_the_dose_not_at_it() {
    // Five days after stopping, withdrawal is resolving and no agonist is left to displace:
    // naloxone precipitates nothing, and the spontaneous score at the dose moment is not
    // reported as precipitated.
    let text = "10mg iv q8h x 14d then wait 5d then 0.4mg naloxone iv";
    let s = summary(text, 3.0);
    let dose = s.last_dose_h.expect("a naloxone dose");
    let at = s.precipitated_at_h.expect("read after the naloxone dose");
    assert!(at > dose, "read at {at} h, the dose is at {dose} h");
    let tr = trajectory(text);
    let at_dose = tr
        .time_h
        .iter()
        .zip(&tr.withdrawal_score)
        .find(|(t, _)| **t >= dose)
        .map(|(_, w)| *w)
        .expect("a sample at the dose");
    let peak = s.peak_precipitated_score.expect("a score");
    assert!(
        peak < at_dose,
        "precipitated {peak:.2} should be below the spontaneous {at_dose:.2} at the dose"
    );
}

#[test]
fn a_wait_right_after_a_single_dose_or_another_wait_is_not_use() {
    // The score during the waits (after one dose, or in a break split into two waits) is not
    // between-dose withdrawal.
    let one = summary("10mg iv q8h x 3d then wait 5d then 10mg iv q8h x 3d", 24.0);
    let split = summary(
        "10mg iv q8h x 3d then wait 2d then wait 3d then 10mg iv q8h x 3d",
        24.0,
    );
    assert_eq!(
        one.peak_withdrawal_score_during_use,
        split.peak_withdrawal_score_during_use
    );
    // After a single dose the wait starts at once: only the dose moments are use, and the
    // score at the second dose is the highest of them.
    let text = "10mg iv then wait 2d then 10mg iv";
    let single = summary(text, 24.0);
    let tr = trajectory(text);
    let (mut at_second, mut in_wait) = (0.0, 0.0_f64);
    for (&t, &w) in tr.time_h.iter().zip(&tr.withdrawal_score) {
        if t > 0.0 && t < 48.0 {
            in_wait = in_wait.max(w);
        } else if t == 48.0 {
            at_second = w;
        }
    }
    assert!(in_wait > at_second, "{in_wait} vs {at_second}");
    // The same moment on two grids (1 min for the summary, 5 min here): the solver's steps may
    // differ (a step is checked against the state's bounds at the grid's times), so equal to
    // within the integration tolerance.
    let during = single.peak_withdrawal_score_during_use;
    assert!(
        (during - at_second).abs() <= 1e-6 * at_second.max(1.0),
        "{during} vs {at_second}"
    );
}
