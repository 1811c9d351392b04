//! The command-line contract: output columns and keys, and a clear one-line error with exit
//! code 2 (and no output file) for every kind of bad input.

mod common;
use common::scratch;

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs a failing command and checks: exit code 2, one line on stderr starting with "error:",
/// containing every `expected` fragment, and nothing on stdout.
fn check_error(args: &[&str], expected: &[&str]) {
    common::one_line_error(args, expected);
}

#[test]
fn simulate_writes_the_documented_columns() {
    let o = run(&[
        "simulate",
        "--regimen",
        "10mg iv",
        "--observe",
        "1h",
        "--dt",
        "30min",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let header = text.lines().next().expect("a header");
    for col in [
        "time_h",
        "heroin_ng_ml",
        "mam6_ng_ml",
        "morphine_ng_ml",
        "mor_occupancy",
        "mor_activation",
        "dopamine_pct_baseline",
        "tolerance_fold",
        "dependence",
        "withdrawal_score",
        "dose_number",
        "time_after_dose_h",
    ] {
        assert!(
            header.split(',').any(|h| h == col),
            "column {col} missing from {header}"
        );
    }
    // 0, 0.5 and 1 h.
    assert_eq!(text.lines().count(), 4, "{text}");
}

#[test]
fn simulate_json_and_out_file() {
    let dir = scratch("json");
    let out = dir.join("run.json");
    let o = run(&[
        "simulate",
        "-r",
        "10mg iv",
        "--observe",
        "2h",
        "--dt",
        "1h",
        "--format",
        "json",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("file written"))
            .expect("valid JSON");
    assert_eq!(v["columns"]["time_h"], serde_json::json!([0, 1, 2]));
    assert_eq!(v["columns"]["time_after_dose_h"][0], serde_json::json!(0));
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        1,
        "no temporary files left"
    );
}

#[test]
fn summary_json_has_the_contract_keys() {
    let o = run(&["summary", "--regimen", "10mg iv", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    for key in [
        "last_dose_h",
        "peak_withdrawal_score",
        "withdrawal_band",
        "physically_dependent",
        "withdrawal_onset_h",
        "withdrawal_peak_h",
        "withdrawal_resolved_h",
        "tolerance_fold_at_last_dose",
        "peak_dopamine_pct_baseline",
    ] {
        assert!(v.get(key).is_some(), "key {key} missing");
    }
    assert_eq!(v["physically_dependent"], serde_json::json!(false));
    assert_eq!(v["withdrawal_band"], serde_json::json!("none"));
    assert!(v["withdrawal_onset_h"].is_null());
}

#[test]
fn treatment_drugs_and_their_routes_run() {
    // The examples of the model v2 issue, each from the command line.
    for regimen in [
        "0.4mg naloxone iv",
        "4mg naloxone intranasal",
        "2mg naloxone im",
        "60mg methadone oral q24h x 28d",
        "8mg buprenorphine sublingual",
        "10mg iv q8h x 14d then 10mg iv then wait 2h then 8mg buprenorphine sublingual",
        "0.4mg naloxone iv then 10mg iv",
    ] {
        let o = run(&["summary", "--regimen", regimen, "--json"]);
        assert!(o.status.success(), "{regimen}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
        for key in [
            "peak_precipitated_score",
            "precipitated_at_h",
            "last_agonist_dose_h",
        ] {
            assert!(v.get(key).is_some(), "{regimen}: key {key} missing");
        }
    }
    let o = run(&[
        "simulate",
        "--regimen",
        "0.4mg naloxone iv",
        "--observe",
        "1h",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let header = stdout(&o).lines().next().unwrap_or_default().to_string();
    for column in ["naloxone_ng_ml", "methadone_ng_ml", "buprenorphine_ng_ml"] {
        assert!(header.contains(column), "{column} missing from {header}");
    }
    // A route the model does not define for the drug names the ones it has.
    check_error(
        &["summary", "--regimen", "10mg methadone iv"],
        &[
            "methadone cannot be taken by the iv route",
            "routes for methadone: oral",
        ],
    );
}

#[test]
fn summary_text_names_bands_and_units() {
    let o = run(&["summary", "--regimen", "10mg iv q8h x 14d"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for fragment in [
        "(moderate)",
        "physically dependent  yes",
        "h after the last agonist dose",
        "% of baseline",
        "not medical advice",
        "Wanting (learned from fast dopamine rises",
        "a week after the first dose",
    ] {
        assert!(
            text.contains(fragment),
            "{fragment:?} missing from:\n{text}"
        );
    }
}

#[test]
fn scenario_files_in_models_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("models/scenarios exists") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let offered = std::fs::read_to_string(&path)
                .expect("scenario")
                .lines()
                .any(|l| l.starts_with("offered"));
            // A scenario of offered doses runs as a cohort (a few people keep this quick).
            let args: Vec<&str> = if offered {
                vec![
                    "cohort",
                    "--scenario",
                    path.to_str().expect("utf-8"),
                    "--subjects",
                    "3",
                    "--json",
                ]
            } else {
                vec![
                    "summary",
                    "--scenario",
                    path.to_str().expect("utf-8"),
                    "--json",
                ]
            };
            let o = run(&args);
            assert!(o.status.success(), "{}: {}", path.display(), stderr(&o));
            n += 1;
        }
    }
    assert!(n >= 4, "expected the lesson scenarios, found {n}");
}

#[test]
fn bad_regimens_are_rejected_with_a_reason() {
    check_error(
        &["summary", "-r", "10mg ivv"],
        &["route", "iv, smoked, intranasal, oral, im, sublingual"],
    );
    check_error(
        &["summary", "-r", "10mg cocaine iv"],
        &["unknown drug \"cocaine\"", "heroin, morphine"],
    );
    check_error(
        &["summary", "-r", "10mg morphine smoked"],
        &["smoked", "iv, oral"],
    );
    check_error(&["summary", "-r", "-10mg iv"], &["positive"]);
    check_error(&["summary", "-r", "0mg iv"], &["column 1"]);
    check_error(&["summary", "-r", "NaNmg iv"], &["column 1"]);
    check_error(&["summary", "-r", "5000mg iv"], &["1000 mg"]);
    check_error(&["summary", "-r", "10mg iv q0h x 3d"], &["interval"]);
    check_error(&["summary", "-r", "10mg iv q8 x 14d"], &["column"]);
    check_error(&["summary", "-r", "10mg iv q8h x 400d"], &["365"]);
    check_error(&["summary", "-r", ""], &["regimen"]);
}

#[test]
fn bad_options_are_rejected() {
    check_error(&["simulate", "-r", "10mg iv", "--dt", "0min"], &["dt"]);
    check_error(
        &["simulate", "-r", "10mg iv", "--observe", "soon"],
        &["--observe"],
    );
    check_error(
        &[
            "simulate",
            "-r",
            "10mg iv",
            "--dt",
            "1s",
            "--observe",
            "300d",
        ],
        &["--dt"],
    );
}

#[test]
fn bad_files_are_rejected_with_line_and_column() {
    let dir = scratch("files");
    let missing = dir.join("nope.toml");
    check_error(
        &["summary", "--scenario", missing.to_str().expect("utf-8")],
        &["nope.toml"],
    );
    check_error(
        &[
            "summary",
            "-r",
            "10mg iv",
            "--model",
            missing.to_str().expect("utf-8"),
        ],
        &["nope.toml"],
    );

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "regimen = \"10mg iv\"\nobserv = \"3d\"\n").expect("write");
    check_error(
        &["summary", "--scenario", bad.to_str().expect("utf-8")],
        &["bad.toml:2:1", "observ"],
    );

    std::fs::write(&bad, "regimen = \"10mg iv\nobserve = 3\n").expect("write");
    check_error(
        &["summary", "--scenario", bad.to_str().expect("utf-8")],
        &["bad.toml:1:"],
    );

    std::fs::write(&bad, "regimen = \"10mg iv q8 x 2d\"\n").expect("write");
    check_error(
        &["summary", "--scenario", bad.to_str().expect("utf-8")],
        &["bad.toml", "regimen", "column"],
    );

    // Model files with a misspelt key, a negative value and an unknown unit.
    let model = include_str!("../models/heroin.toml");
    let clearance = "value = 130, unit = \"L/h\"";
    for (from, to, expected) in [
        (
            "clearance = {",
            "clearence = {",
            &["bad.toml:", "clearence"][..],
        ),
        (
            clearance,
            "value = -130, unit = \"L/h\"",
            &["species.heroin.clearance", "-130"][..],
        ),
        (
            clearance,
            "value = 130, unit = \"L/day\"",
            &["species.heroin.clearance", "L/day", "L/h"][..],
        ),
        (
            // A second slowly binding ligand: the PD block holds one bound fraction.
            "[species.brain]\nequilibration_half_life = { value = 15, unit = \"min\"",
            "[species.brain]\ndissociation_half_life = { value = 1, unit = \"h\", source = \"test\", confidence = \"L\", note = \"\" }\nequilibration_half_life = { value = 15, unit = \"min\"",
            &["dissociation_half_life", "only one species may bind slowly", "methadone", "buprenorphine"][..],
        ),
    ] {
        let edited = model.replacen(from, to, 1);
        assert_ne!(edited, model, "the edit {from:?} must hit the model text");
        std::fs::write(&bad, edited).expect("write");
        check_error(
            &[
                "summary",
                "-r",
                "10mg iv",
                "--model",
                bad.to_str().expect("utf-8"),
            ],
            expected,
        );
    }
}

#[test]
fn unwritable_output_leaves_nothing_behind() {
    let dir = scratch("unwritable");
    let target = dir.join("missing-folder").join("out.csv");
    check_error(
        &[
            "simulate",
            "-r",
            "10mg iv",
            "--out",
            target.to_str().expect("utf-8"),
        ],
        &["missing-folder", "does not exist"],
    );
    assert!(!target.exists());
    // A folder given as the output file.
    check_error(
        &[
            "simulate",
            "-r",
            "10mg iv",
            "--out",
            dir.to_str().expect("utf-8"),
        ],
        &["folder"],
    );
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "nothing written"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let o = run(&["simulate"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["simulate", "-r", "10mg iv", "--scenario", "x.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["simulate", "-r", "10mg iv", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn sensitivity_prints_a_table_and_json() {
    let o = run(&["sensitivity", "-r", "10mg iv q8h x 14d", "--top", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("baseline") && text.contains("Elasticity"),
        "{text}"
    );
    assert!(
        text.contains("(5 of") || text.contains("more parameters with smaller effects"),
        "{text}"
    );
    let o = run(&["sensitivity", "-r", "10mg iv", "--json", "--step-pct", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["step"], serde_json::json!(0.05));
    assert!(v["rows"].as_array().is_some_and(|r| r.len() > 40));
    check_error(
        &["sensitivity", "-r", "10mg iv", "--step-pct", "0"],
        &["--step-pct", "at most 50"],
    );
    check_error(
        &["sensitivity", "-r", "10mg iv", "--step-pct", "nan"],
        &["--step-pct", "NaN"],
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    let mut child = bin()
        .args(["simulate", "-r", "10mg iv q8h x 14d", "--dt", "1min"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("a line");
    assert!(first.starts_with("time_h,"));
    // The reader is dropped here: the pipe closes while the program is still writing.
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}
