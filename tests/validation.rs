//! The validation targets of `models/validation.toml` (REFERENCE.md targets 1-20), checked
//! against the default model from its mechanism. Every number lives in that file; this test
//! only runs it, as `opioid-sim validate` does. Run with `--nocapture` to see every value.
//!
//! A target passes when the model meets its published range, or, for a known gap, the range
//! the file holds it to (the gap is explained there and in ARCHITECTURE.md). If a target fails
//! after a parameter change, the change broke a teaching claim.

use opioid_sim::model::Model;
use opioid_sim::validation::{default_targets, report, targets_from_toml, Verdict};

#[test]
fn every_target_meets_its_range_or_its_known_gap() {
    let model = Model::default_heroin().expect("the default model loads");
    let targets = default_targets().expect("models/validation.toml loads");
    let outcomes: Vec<_> = targets
        .iter()
        .map(|t| t.run(&model, opioid_sim::model::DEFAULT_MODEL_TOML))
        .collect();
    eprintln!("{}", report::terminal_lines(&outcomes));
    let failing: Vec<String> = outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Fails)
        .map(|o| format!("{} ({:?}): {}", o.target.id, o.value, o.target.statement))
        .collect();
    assert!(
        failing.is_empty(),
        "failing targets:\n{}",
        failing.join("\n")
    );
}

#[test]
fn every_reference_target_from_1_to_20_is_covered() {
    let targets = default_targets().expect("loads");
    for n in 1..=20 {
        let prefix = n.to_string();
        assert!(
            targets.iter().any(|t| t
                .id
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_lowercase()))),
            "REFERENCE.md target {n} has no entry in models/validation.toml"
        );
    }
}

#[test]
fn known_gaps_are_explained_and_no_wider_than_needed() {
    for t in default_targets().expect("loads") {
        if let (Some(accepted), Some(gap)) = (t.accepted, &t.gap) {
            assert!(gap.len() > 40, "{}: the gap needs a real explanation", t.id);
            assert_ne!(accepted, t.published, "{}: accepted equals published", t.id);
        }
    }
}

#[test]
fn a_broken_targets_file_is_rejected_with_the_target_named() {
    let base = r#"
[[target]]
id = "x1"
statement = "s"
quantity = "q"
unit = "min"
scenario = "10mg iv"
observe = "2h"
measure = { kind = "peak_time", column = "mor_activation" }
published = [0.0, 10.0]
source = "test"
confidence = "L"
"#;
    assert!(targets_from_toml(base, "t.toml").is_ok());
    for (from, to, expected) in [
        ("10mg iv\"", "10mg ivv\"", "did you mean iv"),
        ("peak_time", "peak_tim", "peak_tim"),
        ("[0.0, 10.0]", "[10.0, 0.0]", "not a range"),
        (
            "measure =",
            "compare = \"10mg iv\"\nmeasure =",
            "does not use `compare`",
        ),
        ("source", "accepted = [0.0, 20.0]\nsource", "needs a `gap`"),
        ("statement", "colour = \"red\"\nstatement", "colour"),
    ] {
        let text = base.replacen(from, to, 1);
        assert_ne!(text, base, "{from}");
        let err = targets_from_toml(&text, "t.toml")
            .expect_err(from)
            .to_string();
        assert!(err.contains(expected), "{from}: {err}");
        assert!(err.contains("t.toml"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
    let twice = format!("{base}{base}");
    let err = targets_from_toml(&twice, "t.toml")
        .expect_err("twice")
        .to_string();
    assert!(err.contains("x1") && err.contains("twice"), "{err}");
}

#[test]
fn an_unknown_column_is_a_failed_target_not_a_panic() {
    let text = r#"
[[target]]
id = "x1"
statement = "s"
quantity = "q"
unit = "ng/mL"
scenario = "10mg iv"
observe = "2h"
measure = { kind = "peak", column = "cocaine_ng_ml" }
published = [0.0, 10.0]
source = "test"
confidence = "L"
"#;
    let model = Model::default_heroin().expect("loads");
    let targets = targets_from_toml(text, "t.toml").expect("parses");
    let outcome = targets[0].run(&model, opioid_sim::model::DEFAULT_MODEL_TOML);
    assert_eq!(outcome.verdict, Verdict::Fails);
    let err = outcome.value.expect_err("not measurable");
    assert!(
        err.contains("cocaine_ng_ml") && err.contains("mor_activation"),
        "{err}"
    );
}

#[test]
fn validate_exits_1_and_names_the_targets_a_changed_model_breaks() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("validation-halved");
    std::fs::create_dir_all(&dir).expect("scratch");
    let model = include_str!("../models/heroin.toml");
    let halved = model.replacen(
        "clearance = { value = 80, unit = \"L/h\", source = \"Rook",
        "clearance = { value = 40, unit = \"L/h\", source = \"Rook",
        1,
    );
    assert_ne!(halved, model, "the edit must hit morphine's clearance");
    let path = dir.join("halved.toml");
    std::fs::write(&path, halved).expect("write");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
            .args(args)
            .output()
            .expect("runs")
    };
    let o = run(&["validate", "--model", path.to_str().expect("utf-8")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("FAILS     3a"),
        "morphine's half-life target fails:\n{out}"
    );
    assert!(out.contains(" fail\n"), "{out}");
    let o = run(&["validate"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
