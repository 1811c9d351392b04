//! The validation targets of `REFERENCE.md` (numbered as there), checked against the default
//! model from its mechanism. Each test states the target and the published range it checks.
//!
//! These tests read the model's output; none of them looks inside the equations. If one fails
//! after a parameter change, the change broke a teaching claim.

use opioid_sim::model::Model;
use opioid_sim::regimen::Regimen;
use opioid_sim::simulation::{simulate, summarize, SimOptions, Summary, Trajectory};

const MIN: f64 = 1.0 / 60.0;

fn model() -> Model {
    Model::default_heroin().expect("the default model loads")
}

fn traj(regimen: &str, observe_h: f64, dt_h: f64) -> Trajectory {
    let regimen = Regimen::parse(regimen).expect("regimen parses");
    let opts = SimOptions {
        observe_h,
        dt_h,
        ..SimOptions::default()
    };
    simulate(&model(), &regimen, &opts).expect("simulation runs")
}

fn summary(regimen: &str) -> Summary {
    let regimen = Regimen::parse(regimen).expect("regimen parses");
    summarize(&model(), &regimen, 12.0 * 24.0).expect("summary runs")
}

/// Index and value of the largest element.
fn argmax(v: &[f64]) -> (usize, f64) {
    v.iter().copied().enumerate().fold(
        (0, f64::NEG_INFINITY),
        |a, (i, x)| if x > a.1 { (i, x) } else { a },
    )
}

/// The value of a column at the sample nearest to time `t_h`.
fn at(tr: &Trajectory, col: &[f64], t_h: f64) -> f64 {
    let i = tr
        .time_h
        .iter()
        .position(|&t| t >= t_h - 1e-9)
        .expect("time within the run");
    col[i]
}

/// Half-life from two samples of a mono-exponential phase.
fn half_life(c1: f64, c2: f64, dt: f64) -> f64 {
    dt * std::f64::consts::LN_2 / (c1 / c2).ln()
}

#[test]
fn target_1_heroin_half_life_and_washout() {
    let tr = traj("10mg iv", 2.0, 0.25 * MIN);
    let heroin = tr.plasma("heroin").expect("heroin column");
    let t_half_min = half_life(
        at(&tr, heroin, 2.0 * MIN),
        at(&tr, heroin, 10.0 * MIN),
        8.0 * MIN,
    ) * 60.0;
    assert!(
        (1.3..=8.0).contains(&t_half_min),
        "heroin half-life {t_half_min:.2} min, expected 1.3-8"
    );
    let (_, peak) = argmax(heroin);
    let at_30 = at(&tr, heroin, 0.5);
    assert!(
        at_30 < 0.05 * peak,
        "heroin at 30 min is {:.1}% of its peak, expected < 5%",
        100.0 * at_30 / peak
    );
}

#[test]
fn target_2_order_of_peaks_and_6mam_dominates_early() {
    let tr = traj("10mg iv", 12.0, 0.25 * MIN);
    let (ih, _) = argmax(tr.plasma("heroin").expect("heroin"));
    let (im, _) = argmax(tr.plasma("mam6").expect("6-MAM"));
    let (imo, _) = argmax(tr.plasma("morphine").expect("morphine"));
    assert!(
        tr.time_h[ih] < tr.time_h[im],
        "heroin should peak before 6-MAM"
    );
    assert!(
        tr.time_h[im] < tr.time_h[imo],
        "6-MAM should peak before morphine"
    );
    let mam = tr.plasma("mam6").expect("6-MAM");
    let mor = tr.plasma("morphine").expect("morphine");
    for (i, &t) in tr.time_h.iter().enumerate() {
        if t > 0.0 && t <= 0.5 + 1e-9 {
            assert!(
                mam[i] > mor[i],
                "at {:.1} min 6-MAM {:.1} <= morphine {:.1} ng/mL",
                t * 60.0,
                mam[i],
                mor[i]
            );
        }
    }
}

#[test]
fn target_3_morphine_terminal_half_life_and_persistence() {
    let tr = traj("7.72mg morphine iv", 24.0, 5.0 * MIN);
    let mor = tr.plasma("morphine").expect("morphine");
    let t_half = half_life(at(&tr, mor, 8.0), at(&tr, mor, 16.0), 8.0);
    assert!(
        (2.0..=4.0).contains(&t_half),
        "morphine terminal half-life {t_half:.2} h, expected 2-4"
    );

    let tr = traj("10mg iv", 24.0, 5.0 * MIN);
    let mor = tr.plasma("morphine").expect("morphine");
    for t in [6.0, 9.0, 12.0] {
        let c = at(&tr, mor, t);
        assert!(c > 0.5, "morphine {c:.2} ng/mL at {t} h after heroin; expected still present (> 0.5 ng/mL, a typical assay limit)");
    }
}

#[test]
fn target_4_routes_inhaled_exposure_and_oral_first_pass() {
    let auc = |tr: &Trajectory, species: &str| -> f64 {
        let c = tr.plasma(species).expect("species");
        tr.time_h
            .windows(2)
            .zip(c.windows(2))
            .map(|(t, c)| 0.5 * (c[0] + c[1]) * (t[1] - t[0]))
            .sum()
    };
    let iv = traj("10mg iv", 24.0, 0.5 * MIN);
    let smoked = traj("10mg smoked", 24.0, 0.5 * MIN);
    let ratio = auc(&smoked, "morphine") / auc(&iv, "morphine");
    assert!(
        (0.45..=0.6).contains(&ratio),
        "inhaled/IV exposure {ratio:.2}, expected 0.45-0.6"
    );

    // Oral heroin: only morphine reaches plasma, after a lag, and only the naive-user fraction
    // (0.23, Halbsguth 2008) of the dose, compared with the same molar dose of IV morphine.
    let oral = traj("10mg oral", 24.0, 0.5 * MIN);
    for species in ["heroin", "mam6"] {
        let c = oral.plasma(species).expect("species");
        assert!(
            c.iter().all(|&c| c == 0.0),
            "oral dosing puts {species} in plasma"
        );
    }
    let mor = oral.plasma("morphine").expect("morphine");
    let first = oral.time_h[mor.iter().position(|&c| c > 0.0).expect("morphine arrives")] * 60.0;
    assert!(
        (7.5..=30.0).contains(&first),
        "morphine first seen at {first:.1} min, expected 7.5-30"
    );
    let iv_morphine = traj("7.72mg morphine iv", 24.0, 0.5 * MIN);
    let f = auc(&oral, "morphine") / auc(&iv_morphine, "morphine");
    assert!(
        (0.2..=0.26).contains(&f),
        "oral heroin delivers {f:.3} of the morphine of IV, expected about 0.23"
    );
}

#[test]
fn target_5_activation_fast_after_heroin_slow_after_morphine() {
    let tr = traj("10mg iv", 6.0, 0.25 * MIN);
    let (i, peak) = argmax(&tr.mor_activation);
    let t_heroin = tr.time_h[i] * 60.0;
    assert!(
        t_heroin <= 5.0,
        "activation after IV heroin peaks at {t_heroin:.1} min, expected within ~5 min"
    );
    assert!(
        peak > 0.5,
        "a typical first dose should activate most of the receptor system, got {peak:.2}"
    );

    // The same molar dose as morphine: 10 mg heroin = 27.07 umol = 7.72 mg morphine.
    let tr = traj("7.72mg morphine iv", 12.0, 1.0 * MIN);
    let (i, _) = argmax(&tr.mor_activation);
    let t_morphine = tr.time_h[i] * 60.0;
    assert!(t_morphine - t_heroin >= 60.0, "morphine activation peaks at {t_morphine:.0} min, expected an hour or more after heroin's ({t_heroin:.1} min)");
}

#[test]
fn target_6_dopamine_single_dose_repeated_and_withdrawal() {
    let tr = traj("10mg iv", 6.0, 0.25 * MIN);
    let (i, peak) = argmax(&tr.dopamine_pct_baseline);
    let t = tr.time_h[i] * 60.0;
    assert!(
        (8.0..=15.0).contains(&t),
        "dopamine peaks at {t:.1} min, expected 8-15"
    );
    assert!(
        peak <= 200.0 && peak > 120.0,
        "single-dose dopamine peak {peak:.0}%, expected a clear rise of at most 2x baseline"
    );

    // Repeated use: every dose lifts dopamine into the 150-300% range.
    let tr = traj("10mg iv q8h x 14d", 10.0 * 24.0, 1.0 * MIN);
    for d in 0..42 {
        let (start, end) = (d as f64 * 8.0, d as f64 * 8.0 + 2.0);
        let peak = tr
            .time_h
            .iter()
            .zip(&tr.dopamine_pct_baseline)
            .filter(|(t, _)| **t >= start && **t <= end)
            .map(|(_, v)| *v)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(
            (150.0..=300.0).contains(&peak),
            "dose {} lifts dopamine to {peak:.0}%, expected 150-300%",
            d + 1
        );
    }
    // A self-administration-like session (a dose every 30 min, Wise et al. 1995): dopamine
    // stays in the 150-300% band from the second dose on.
    let tr = traj("5mg iv q30min x 3h", 0.0, 1.0 * MIN);
    for d in 1..6 {
        let (start, end) = (d as f64 * 0.5, d as f64 * 0.5 + 0.5);
        let peak = tr
            .time_h
            .iter()
            .zip(&tr.dopamine_pct_baseline)
            .filter(|(t, _)| **t >= start && **t < end)
            .map(|(_, v)| *v)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(
            (150.0..=300.0).contains(&peak),
            "session dose {} lifts dopamine to {peak:.0}%",
            d + 1
        );
    }
    let s = summary("10mg iv q8h x 14d");
    assert!(
        s.min_dopamine_pct_baseline_after_last_dose < 90.0,
        "dopamine should fall below baseline in withdrawal, lowest {:.0}%",
        s.min_dopamine_pct_baseline_after_last_dose
    );
}

#[test]
fn target_7_one_typical_dose_gives_no_withdrawal() {
    let s = summary("10mg iv");
    assert!(!s.physically_dependent);
    assert!(
        s.peak_withdrawal_score < 5.0,
        "peak score {:.2}",
        s.peak_withdrawal_score
    );
    let tr = traj("10mg iv", 20.0 * 24.0, 10.0 * MIN);
    let (_, max) = argmax(&tr.withdrawal_score);
    assert!(
        max < 5.0,
        "score reaches {max:.2} at some time after one dose"
    );
}

#[test]
fn target_9_repeated_use_gives_withdrawal_growing_with_duration_and_dose() {
    for days in [5, 7, 9, 14] {
        let s = summary(&format!("10mg iv q8h x {days}d"));
        assert!(
            s.peak_withdrawal_score >= 13.0,
            "{days} days: peak {:.1}, expected moderate (>= 13)",
            s.peak_withdrawal_score
        );
    }
    let peaks: Vec<f64> = [
        "10mg iv",
        "10mg iv q8h x 2d",
        "10mg iv q8h x 5d",
        "10mg iv q8h x 9d",
        "10mg iv q8h x 14d",
    ]
    .iter()
    .map(|r| summary(r).peak_withdrawal_score)
    .collect();
    for w in peaks.windows(2) {
        assert!(w[1] > w[0], "severity should grow with duration: {peaks:?}");
    }
    // Beyond two weeks the counter-adaptation has reached its plateau.
    let d28 = summary("10mg iv q8h x 28d").peak_withdrawal_score;
    assert!(
        (d28 - peaks[4]).abs() < 0.02 * peaks[4],
        "28 days {d28:.1} vs 14 days {:.1}: expected a plateau (within 2%)",
        peaks[4]
    );

    let low = summary("10mg iv q8h x 14d").peak_withdrawal_score;
    let high = summary("20mg iv q8h x 14d").peak_withdrawal_score;
    assert!(
        high > low,
        "severity should grow with dose: 20 mg {high:.1} vs 10 mg {low:.1}"
    );
}

#[test]
fn target_10_time_course_after_chronic_heroin() {
    let s = summary("10mg iv q8h x 14d");
    let onset = s.withdrawal_onset_h.expect("withdrawal starts");
    let peak = s.withdrawal_peak_h.expect("withdrawal peaks");
    let resolved = s
        .withdrawal_resolved_h
        .expect("withdrawal resolves within the window");
    assert!(
        (6.0..=24.0).contains(&onset),
        "onset {onset:.1} h, expected 6-24"
    );
    assert!(
        (36.0..=72.0).contains(&peak),
        "peak {peak:.1} h, expected 36-72"
    );
    assert!(
        (5.0 * 24.0..=10.0 * 24.0).contains(&resolved),
        "resolved at {:.1} d, expected 5-10",
        resolved / 24.0
    );
    assert!(s.peak_withdrawal_score >= 13.0);
}

#[test]
fn target_12_tolerance_gain_and_size() {
    // Constant exposure, approximated by small morphine doses every 15 min.
    let tr = traj("0.5mg morphine iv q15min x 10d", 0.0, 30.0 * MIN);
    let plateau = *tr.tolerance_fold.last().expect("samples");
    let half = 1.0 + (plateau - 1.0) / 2.0;
    let i = tr
        .tolerance_fold
        .iter()
        .position(|&f| f >= half)
        .expect("reaches half");
    let t_half = tr.time_h[i];
    assert!(
        (12.0..=48.0).contains(&t_half),
        "potency shift reaches half its plateau after {t_half:.1} h, expected about a day"
    );
    assert!(
        (2.0..=7.0).contains(&plateau),
        "plateau shift {plateau:.2}x"
    );

    let s = summary("10mg iv q8h x 14d");
    assert!(
        (2.0..=7.0).contains(&s.tolerance_fold_at_last_dose),
        "chronic shift {:.2}x, expected 2-7x",
        s.tolerance_fold_at_last_dose
    );
}

#[test]
fn target_13_tolerance_outlasts_withdrawal_and_relapse_hits_harder() {
    let s = summary("10mg iv q8h x 14d");
    let resolved = s.withdrawal_resolved_h.expect("withdrawal resolves");
    let tr = traj("10mg iv q8h x 14d", 30.0 * 24.0, 30.0 * MIN);
    let last = 328.0;
    let fold_last = at(&tr, &tr.tolerance_fold, last);
    let fold_resolved = at(&tr, &tr.tolerance_fold, last + resolved);
    assert!(fold_resolved - 1.0 > 0.5 * (fold_last - 1.0), "when withdrawal has resolved ({:.1} d) most tolerance should remain: {fold_resolved:.2}x of {fold_last:.2}x", resolved / 24.0);
    // Loss half-time: the excess shift halves in about two weeks (10-20 d).
    let i = tr
        .time_h
        .iter()
        .position(|&t| t > last && at(&tr, &tr.tolerance_fold, t) - 1.0 <= 0.5 * (fold_last - 1.0));
    let t_half_d = i.map_or(f64::INFINITY, |i| (tr.time_h[i] - last) / 24.0);
    assert!(
        (7.0..=21.0).contains(&t_half_d),
        "tolerance excess halves after {t_half_d:.1} d, expected about 2 weeks"
    );

    // The same dose on the last day of use vs after three weeks of abstinence.
    let peak_after = |text: &str, t0: f64| {
        let tr = traj(text, 6.0, 0.5 * MIN);
        tr.time_h
            .iter()
            .zip(&tr.mor_activation)
            .filter(|(t, _)| **t >= t0)
            .map(|(_, a)| *a)
            .fold(0.0, f64::max)
    };
    let last_day = peak_after("10mg iv q8h x 14d", 328.0);
    let relapse = peak_after("10mg iv q8h x 14d then wait 21d then 10mg iv", 840.0);
    assert!(
        relapse > last_day,
        "relapse dose activation {relapse:.3} should exceed the last-day dose {last_day:.3}"
    );
}

#[test]
fn target_15_taper_lowers_the_withdrawal_peak() {
    let abrupt = summary("10mg iv q8h x 14d");
    let taper = summary("10mg iv q8h x 14d then taper 8mg iv q8h over 7d to 1mg");
    assert!(
        taper.peak_withdrawal_score < abrupt.peak_withdrawal_score,
        "taper {:.1} vs abrupt {:.1}",
        taper.peak_withdrawal_score,
        abrupt.peak_withdrawal_score
    );
}
