//! Dataset exchange in the NONMEM convention: the output's columns, the round trip of a
//! regimen through a dosing file, the fields honoured and the ones refused, and a
//! property-based test of the reader.

mod common;
use common::scratch;

use std::process::{Command, Output};

use opioid_sim::model::Model;
use opioid_sim::nonmem::read_doses;
use proptest::prelude::*;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn model() -> Model {
    Model::default_heroin().expect("loads")
}

#[test]
fn nonmem_output_has_the_convention_columns_and_round_trips_through_doses() {
    let dir = scratch("round-trip");
    let out = dir.join("run.csv");
    let out = out.to_str().expect("utf-8");
    let o = run(&[
        "simulate",
        "--regimen",
        "10mg iv q8h x 3d",
        "--format",
        "nonmem",
        "-o",
        out,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(out).expect("read");
    let header: Vec<&str> = text.lines().next().expect("header").split(',').collect();
    assert_eq!(
        header[..9],
        ["ID", "TIME", "AMT", "CMT", "EVID", "MDV", "DV", "DRUG", "ROUTE"]
    );
    assert!(header.contains(&"withdrawal_score") && header.contains(&"morphine_ng_ml"));
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "every row has every column"
    );
    let doses: Vec<&Vec<&str>> = rows.iter().filter(|r| r[4] == "1").collect();
    assert_eq!(doses.len(), 9, "one dose record per dose");
    assert!(doses
        .iter()
        .all(|r| r[5] == "1" && r[2] == "10" && r[7] == "heroin"));
    let times: Vec<f64> = rows.iter().map(|r| r[1].parse().expect("TIME")).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "sorted by TIME");

    // The dose records alone, fed back, give the same file.
    let dosing: String = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.split(',').nth(4) == Some("1"))
        .map(|(_, l)| l.split(',').take(9).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    let doses_path = dir.join("doses.csv");
    std::fs::write(&doses_path, dosing).expect("write");
    let again = dir.join("again.csv");
    let o = run(&[
        "simulate",
        "--doses",
        doses_path.to_str().expect("utf-8"),
        "--format",
        "nonmem",
        "-o",
        again.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read_to_string(&again).expect("read"), text);
}

#[test]
fn ii_addl_cmt_and_several_ids_are_read() {
    let m = model();
    let text = "ID,TIME,AMT,CMT,II,ADDL,EVID\n1,0,10,1,8,41,1\n1,8,0,.,.,.,0\n2,0,30,.,.,.,1\n";
    // CMT 1 is where IV heroin enters; ID 2 has no CMT and no DRUG: refused.
    let err = read_doses(text, "d.csv", &m)
        .expect_err("no drug for ID 2")
        .to_string();
    assert!(
        err.contains("d.csv:4") && err.contains("DRUG and ROUTE, or CMT"),
        "{err}"
    );
    let text = "ID,TIME,AMT,DRUG,ROUTE,II,ADDL\n1,0,10,heroin,iv,8,41\n2,0,30,morphine,oral,.,.\n2,12,30,morphine,oral,.,.\n";
    let subjects = read_doses(text, "d.csv", &m).expect("reads");
    assert_eq!(subjects.len(), 2);
    assert_eq!(subjects[0].0, "1");
    assert_eq!(
        subjects[0].1.describe(),
        "10 mg heroin iv q8h x 41 then 10 mg heroin iv"
    );
    assert_eq!(subjects[0].1.doses().len(), 42);
    assert_eq!(
        subjects[1].1.describe(),
        "30 mg morphine oral then wait 12h then 30 mg morphine oral"
    );
    let regimen = opioid_sim::regimen::Regimen::parse("10mg iv q8h x 14d").expect("parses");
    assert_eq!(
        subjects[0].1.doses(),
        regimen.doses(),
        "same doses as typed"
    );
}

#[test]
fn unimplemented_fields_are_refused_not_ignored() {
    let m = model();
    for (text, expected) in [
        (
            "ID,TIME,AMT,DRUG,ROUTE,SS\n1,0,10,heroin,iv,1\n",
            "SS = 1 is not implemented",
        ),
        (
            "ID,TIME,AMT,DRUG,ROUTE,RATE\n1,0,10,heroin,iv,2\n",
            "RATE = 2 is not implemented",
        ),
        (
            "ID,TIME,AMT,DRUG,ROUTE,EVID\n1,0,10,heroin,iv,4\n",
            "EVID = 4 is not implemented",
        ),
        (
            "ID,TIME,AMT,DRUG,ROUTE,WT\n1,0,10,heroin,iv,70\n",
            "column WT",
        ),
        ("ID,TIME,AMT,DRUG,ROUTE\n1,-1,10,heroin,iv\n", "negative"),
        (
            "ID,TIME,AMT,DRUG,ROUTE\n1,0,ten,heroin,iv\n",
            "AMT = \"ten\"",
        ),
        ("ID,TIME,AMT,DRUG,ROUTE\n1,0,5000,heroin,iv\n", "1000 mg"),
        (
            "ID,TIME,AMT,DRUG,ROUTE\n1,0,10,heroin,ivv\n",
            "unknown route 'ivv'",
        ),
        (
            "ID,TIME,AMT,DRUG,ROUTE,ADDL\n1,0,10,heroin,iv,3\n",
            "II above 0",
        ),
        ("ID,TIME,AMT,CMT\n1,0,10,99\n", "CMT = 99"),
        ("ID,TIME,DRUG,ROUTE\n1,0,heroin,iv\n", "no AMT column"),
        ("ID,TIME,AMT,DRUG,ROUTE\n1,0,10,heroin\n", "4 fields"),
        ("", "empty"),
        ("ID,TIME,AMT,DRUG,ROUTE\n", "no dose records"),
    ] {
        let err = read_doses(text, "d.csv", &m).expect_err(text).to_string();
        assert!(err.contains(expected), "{text:?}: {err}");
        assert!(err.starts_with("d.csv:"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
    // CMT where several routes enter is ambiguous.
    let cmt = opioid_sim::nonmem::dose_compartment(&m, "heroin", opioid_sim::dose::Route::Iv)
        .expect("heroin iv");
    let smoked =
        opioid_sim::nonmem::dose_compartment(&m, "heroin", opioid_sim::dose::Route::Smoked);
    if smoked == Some(cmt) {
        let err = read_doses(&format!("ID,TIME,AMT,CMT\n1,0,10,{cmt}\n"), "d.csv", &m)
            .expect_err("ambiguous")
            .to_string();
        assert!(
            err.contains("heroin iv") && err.contains("heroin smoked"),
            "{err}"
        );
    }
}

#[test]
fn several_subjects_need_the_nonmem_format_and_summary_needs_one() {
    let dir = scratch("subjects");
    let path = dir.join("d.csv");
    std::fs::write(
        &path,
        "ID,TIME,AMT,DRUG,ROUTE\n1,0,10,heroin,iv\n2,0,20,heroin,iv\n",
    )
    .expect("w");
    let p = path.to_str().expect("utf-8");
    let o = run(&["summary", "--doses", p]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("2 subjects"));
    let o = run(&["simulate", "--doses", p]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&[
        "simulate",
        "--doses",
        p,
        "--format",
        "nonmem",
        "--observe",
        "1h",
        "--dt",
        "30min",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().any(|l| l.starts_with("2,0,20,")), "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(13),
        ..ProptestConfig::default()
    })]
    /// Any text: a list of subjects or a one-line error naming the file and line; never a panic.
    #[test]
    fn the_reader_never_panics_and_errors_are_one_line(
        header in prop::sample::subsequence(vec!["ID", "TIME", "AMT", "CMT", "DRUG", "ROUTE", "II", "ADDL", "EVID", "SS", "RATE", "DV", "X"], 0..8),
        rows in prop::collection::vec(prop::collection::vec("[0-9.\\-]{0,4}|heroin|iv|oral|morphine|\\.|1e9|NaN|inf|", 0..8), 0..6),
        noise in "\\PC{0,20}",
    ) {
        static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        let m = MODEL.get_or_init(model);
        let mut text = header.join(",");
        text.push('\n');
        for r in &rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        text.push_str(&noise);
        match read_doses(&text, "f.csv", m) {
            Ok(subjects) => {
                for (_, regimen) in subjects {
                    let again = opioid_sim::regimen::Regimen::parse(&regimen.describe());
                    prop_assert_eq!(again.as_ref(), Ok(&regimen));
                }
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with("f.csv:"), "{}", message);
                prop_assert!(!message.contains('\n'), "{}", message);
            }
        }
    }
}
