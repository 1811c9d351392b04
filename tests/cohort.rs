//! Cohorts of virtual people (issue 10): reproducible from a seed whatever the thread count,
//! shards that merge into the full run, bad input refused in one line with nothing written,
//! irregular use drawn per seed, and the per-subject file reader under random input.

mod common;

use common::{one_line_error, run_cli, scratch};
use opioid_sim::cohort::{Cell, CohortMeta, CohortTable, SubjectRow};
use proptest::prelude::*;

/// A short schedule keeps these runs quick in an unoptimized test build.
const REGIMEN: &str = "10mg iv q8h x 2d";

fn cohort(extra: &[&str]) -> String {
    cohort_seeded("7", extra)
}

fn cohort_seeded(seed: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "cohort",
        "--regimen",
        REGIMEN,
        "--observe",
        "1d",
        "--subjects",
        "12",
        "--seed",
        seed,
    ];
    args.extend_from_slice(extra);
    let o = run_cli(&args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

#[test]
fn the_same_seed_gives_the_same_bytes_whatever_the_threads() {
    let once = cohort(&["--json"]);
    assert_eq!(once, cohort(&["--json"]));
    assert_eq!(once, cohort(&["--json", "--threads", "1"]));
    assert_eq!(once, cohort(&["--json", "--threads", "2"]));
    let json: serde_json::Value = serde_json::from_str(&once).expect("json");
    assert_eq!(json["subjects"], 12);
    assert_eq!(json["seed"], 7);
    assert_eq!(json["regimen"], "10 mg heroin iv q8h x 2d");
    for key in ["p5", "p25", "p50", "p75", "p95", "mean"] {
        assert!(json["peak_withdrawal_score"][key].is_f64(), "{key}");
    }
    let bands = &json["share_by_band"];
    let total: f64 = ["none", "mild", "moderate", "moderately_severe", "severe"]
        .iter()
        .map(|b| bands[*b].as_f64().expect("share"))
        .sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!(json["share_physically_dependent"].is_f64());
    // Another seed, other people.
    assert_ne!(once, cohort_seeded("8", &["--json"]));
    // Text output names the headline rows and the bands.
    let text = cohort(&[]);
    assert!(text.contains("Peak withdrawal score"), "{text}");
    assert!(text.contains("by band: none"), "{text}");
}

#[test]
fn shards_merge_into_exactly_the_full_run() {
    let dir = scratch("shards");
    let full_csv = dir.join("full.csv");
    let full = cohort(&["--json", "--out", full_csv.to_str().expect("path")]);
    let mut parts = Vec::new();
    for k in 1..=4 {
        let path = dir.join(format!("part{k}.csv"));
        let shard = format!("{k}/4");
        let said = cohort(&["--shard", &shard, "--out", path.to_str().expect("path")]);
        assert!(said.contains(&format!("shard {k}/4")), "{said}");
        parts.push(path);
    }
    // Any order.
    parts.reverse();
    let merged_csv = dir.join("merged.csv");
    let mut args = vec![
        "cohort",
        "merge",
        "--json",
        "--out",
        merged_csv.to_str().expect("path"),
    ];
    args.extend(parts.iter().map(|p| p.to_str().expect("path")));
    let o = run_cli(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), full);
    assert_eq!(
        std::fs::read(&full_csv).expect("full"),
        std::fs::read(&merged_csv).expect("merged")
    );
    // A missing shard or a repeated one is named.
    let three: Vec<&str> = parts[..3]
        .iter()
        .map(|p| p.to_str().expect("path"))
        .collect();
    let mut args = vec!["cohort", "merge"];
    args.extend(&three);
    one_line_error(&args, &["in none of the files"]);
    let mut args = vec!["cohort", "merge"];
    args.extend(&three);
    args.push(three[0]);
    one_line_error(&args, &["more than one file"]);
}

#[test]
fn bad_input_is_refused_in_one_line_and_nothing_is_written() {
    let dir = scratch("bad");
    let out = dir.join("never.csv");
    let out_s = out.to_str().expect("path");
    let base = ["cohort", "--regimen", REGIMEN, "--out", out_s];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        let mut v: Vec<&str> = base.to_vec();
        v.extend_from_slice(extra);
        v
    }
    one_line_error(&with(&base, &["--subjects", "0"]), &["--subjects", "0"]);
    one_line_error(
        &with(&base, &["--subjects", "1000001"]),
        &["--subjects", "1000001"],
    );
    one_line_error(&with(&base, &["--shard", "5/4"]), &["5/4", "K/N"]);
    one_line_error(&with(&base, &["--shard", "0/4"]), &["0/4"]);
    one_line_error(&with(&base, &["--shard", "two"]), &["two"]);
    one_line_error(&with(&base, &["--threads", "0"]), &["--threads"]);
    one_line_error(
        &["cohort", "--regimen", REGIMEN, "--shard", "1/4"],
        &["--out"],
    );
    // `--out -` would mix the rows with the summary on standard output.
    one_line_error(
        &["cohort", "--regimen", REGIMEN, "--out", "-"],
        &["--out -", "need a file"],
    );
    one_line_error(
        &["cohort", "merge", "part-1.csv", "--out", "-"],
        &["--out -", "need a file"],
    );
    assert!(!std::path::Path::new("-").exists(), "a file named '-'");
    one_line_error(
        &["cohort", "--regimen", "10mg iv q8h~5h x 2d", "--out", out_s],
        &["column 12", "less than half the interval"],
    );
    one_line_error(
        &[
            "cohort",
            "--regimen",
            "10mg iv q8h x 2d skip 120%",
            "--out",
            out_s,
        ],
        &["less than 100%"],
    );
    one_line_error(
        &["cohort", "--regimen", "10mg~ iv", "--out", out_s],
        &["percentage"],
    );
    // A variability out of range in a model file.
    let model = opioid_sim::model::DEFAULT_MODEL_TOML;
    for (cv, shown) in [("-0.1", "-0.1"), ("2.5", "2.5")] {
        let path = dir.join(format!("cv{shown}.toml"));
        let text = model.replacen(
            "variability = { cv = 0.26,",
            &format!("variability = {{ cv = {cv},"),
            1,
        );
        assert_ne!(text, model);
        std::fs::write(&path, text).expect("write model");
        one_line_error(
            &with(&base, &["--model", path.to_str().expect("path")]),
            &["variability.cv", shown, "from 0 to 2"],
        );
    }
    // Merging something that is not a cohort file.
    let bogus = dir.join("bogus.csv");
    std::fs::write(&bogus, "time_h,x\n0,1\n").expect("write");
    one_line_error(
        &["cohort", "merge", bogus.to_str().expect("path")],
        &["not a cohort file"],
    );
    assert!(!out.exists(), "nothing written");
    assert_eq!(
        common::files_in(&dir)
            .iter()
            .filter(|f| f.contains("never"))
            .count(),
        0
    );
}

#[test]
fn irregular_use_is_drawn_from_the_seed() {
    let summary = |seed: &str| {
        let o = run_cli(&[
            "summary",
            "--regimen",
            "10mg~40% iv q8h~2h x 3d skip 30%",
            "--observe",
            "1d",
            "--seed",
            seed,
            "--json",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json")
    };
    let a = summary("1");
    assert_eq!(a, summary("1"));
    let doses: Vec<u64> = (1..=6)
        .map(|s| summary(&s.to_string())["doses"].as_u64().expect("doses"))
        .collect();
    // Nine doses written; the first is always taken, about 30% of the others missed.
    assert!(doses.iter().all(|&d| (1..=9).contains(&d)), "{doses:?}");
    assert!(doses.iter().any(|&d| d < 9), "{doses:?}");
    assert!(doses.windows(2).any(|w| w[0] != w[1]), "{doses:?}");
}

fn table(rows: Vec<(Vec<f64>, Vec<Cell>)>) -> CohortTable {
    let subjects = rows.len() as u64;
    CohortTable {
        meta: CohortMeta {
            seed: 3,
            subjects,
            regimen: "10 mg heroin iv".into(),
            observe_h: 240.0,
            model: "heroin 0123456789abcdef".into(),
        },
        shard: None,
        params: vec!["species.morphine.clearance".into()],
        fields: vec![
            "peak_withdrawal_score".into(),
            "withdrawal_onset_h".into(),
            "physically_dependent".into(),
            "withdrawal_band".into(),
        ],
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, (params, fields))| SubjectRow {
                subject: i as u64 + 1,
                params,
                fields,
            })
            .collect(),
    }
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        -1e3..1e3f64,
        Just(0.1),
        Just(1e-300),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, rng_seed: proptest::test_runner::RngSeed::Fixed(10), ..ProptestConfig::default() })]

    /// Every table reads back exactly, to the last bit of every number.
    #[test]
    fn cohort_files_read_back_exactly(rows in proptest::collection::vec(
        (finite(), finite(), proptest::option::of(finite()), any::<bool>(), prop::sample::select(vec!["none", "mild", "moderate"])),
        1..20,
    )) {
        let t = table(rows.into_iter().map(|(p, w, onset, dep, band)| (
            vec![p],
            vec![Cell::Num(w), onset.map_or(Cell::Null, Cell::Num), Cell::Bool(dep), Cell::Text(band.to_string())],
        )).collect());
        let back = CohortTable::from_csv(&t.to_csv(), "t.csv").expect("reads back");
        prop_assert_eq!(back, t);
    }

    /// Random text and damaged files never panic: they are read or refused with a message
    /// naming the file and line.
    #[test]
    fn damaged_cohort_files_are_refused_not_panicked_on(
        cut in 0usize..400,
        noise in "[ -~\n]{0,60}",
        at in 0usize..400,
    ) {
        let good = table(vec![(vec![80.0], vec![Cell::Num(19.5), Cell::Null, Cell::Bool(true), Cell::Text("moderate".into())]); 3]).to_csv();
        let mut damaged: String = good.chars().take(cut).collect();
        let at = at.min(damaged.len());
        damaged.insert_str(at, &noise);
        if let Err(e) = CohortTable::from_csv(&damaged, "d.csv") {
            prop_assert!(e.to_string().starts_with("d.csv, line "), "{}", e);
        }
        let _ = CohortTable::from_csv(&noise, "n.csv");
    }
}

#[test]
fn first_time_users_offered_the_drug_split_into_those_who_go_on_and_those_who_do_not() {
    // The calibration anchor (Anthony, Warner & Kessler 1994: about 23% of people who ever
    // used heroin became dependent); issue 11 asks for 10-40% by week 8 (1000 people give
    // 23.6%; 200 keep this test quick).
    let o = run_cli(&[
        "cohort",
        "--scenario",
        "first-use",
        "--subjects",
        "200",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let dependent = json["share_dependent_by_week_8"].as_f64().expect("a share");
    assert!((0.10..=0.40).contains(&dependent), "{dependent}");
    let daily = json["share_daily_use_by_week_8"].as_f64().expect("a share");
    assert!(daily > 0.0 && daily < 1.0, "{daily}");
    // The relapse shares are not what this scenario follows.
    assert!(json["share_relapsed_3_months"].is_null());
    assert!(json["share_relapsed_12_months"].is_null());
    // One person cannot run a scenario of choices.
    one_line_error(
        &["summary", "--scenario", "first-use"],
        &["offers doses", "cohort"],
    );
}
