//! The `lesson` and `plot` commands: what they write, that a second run writes the same bytes,
//! and a clear error with exit code 2 and nothing written for every kind of bad input.

mod common;
use common::{files_in, scratch};

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Asserts exit code 2, one `error:` line that contains every one of `needles`, and nothing on
/// standard output.
fn assert_fails(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(
        o.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    for n in needles {
        assert!(err.contains(n), "{n:?} not in: {err}");
    }
}

const CHARTS: [&str; 20] = [
    "single-vs-repeated",
    "wanting-vs-dependence",
    "rush-teaches-wanting",
    "pk-metabolites",
    "routes",
    "dopamine-repeated",
    "tolerance-dose-response",
    "withdrawal-vs-duration",
    "dependence-threshold",
    "who-becomes-dependent",
    "first-use-to-dependence",
    "recovery-and-relapse",
    "naloxone-challenge",
    "methadone-vs-heroin",
    "buprenorphine-induction",
    "overdose-after-abstinence",
    "tolerance-by-effect",
    "naloxone-rescue",
    "people-differ",
    "parameter-sensitivity",
];

#[test]
fn lesson_writes_every_chart_and_the_index() {
    let dir = scratch("all");
    let out = dir.join("pack");
    let o = run(&["lesson", "--out", path(&out), "--size", "960x540"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut expected: Vec<String> = CHARTS
        .iter()
        .flat_map(|c| [format!("{c}.png"), format!("{c}.svg")])
        .collect();
    expected.push("README.md".into());
    expected.sort();
    assert_eq!(files_in(&out), expected);
    let index = std::fs::read_to_string(out.join("README.md")).expect("index");
    for c in CHARTS {
        assert!(index.contains(&format!("({c}.png)")), "{c}");
    }
    let svg = std::fs::read_to_string(out.join("routes.svg")).expect("svg");
    assert!(svg.contains("width=\"960\"") && svg.contains("height=\"540\""));
}

#[test]
fn lesson_twice_gives_byte_identical_files() {
    let dir = scratch("twice");
    let args = |out: &Path| {
        run(&[
            "lesson",
            "--out",
            path(out),
            "--size",
            "960x540",
            "--chart",
            "pk-metabolites",
            "--chart",
            "recovery-and-relapse",
        ])
    };
    let (a, b) = (dir.join("a"), dir.join("b"));
    assert!(args(&a).status.success());
    // The second run overwrites the first run's files in place, too.
    assert!(args(&b).status.success());
    assert!(args(&b).status.success());
    assert_eq!(files_in(&a).len(), 4);
    assert_eq!(files_in(&a), files_in(&b));
    for name in files_in(&a) {
        let x = std::fs::read(a.join(&name)).expect("read");
        let y = std::fs::read(b.join(&name)).expect("read");
        assert!(x == y, "{name} differs between runs");
    }
}

#[test]
fn plot_writes_png_or_svg_by_extension() {
    let dir = scratch("plot");
    for name in ["chart.png", "chart.SVG"] {
        let out = dir.join(name);
        let o = run(&[
            "plot",
            "--regimen",
            "10mg iv q8h x 3d",
            "--observe",
            "2d",
            "--out",
            path(&out),
            "--size",
            "print",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let bytes = std::fs::read(&out).expect("written");
        if name.ends_with("png") {
            assert_eq!(&bytes[..4], b"\x89PNG");
        } else {
            assert!(bytes.starts_with(b"<svg"));
            let text = String::from_utf8_lossy(&bytes);
            assert!(text.contains("width=\"2400\""));
            assert!(text.contains("Teaching model, not medical advice"));
        }
    }
    assert_eq!(files_in(&dir), ["chart.SVG", "chart.png"]);
}

#[test]
fn plot_reads_a_scenario_file() {
    let dir = scratch("scenario");
    let scenario = dir.join("s.toml");
    std::fs::write(
        &scenario,
        "title = \"Three days, then stop\"\nregimen = \"10mg iv q8h x 3d\"\nobserve = \"3d\"\n",
    )
    .expect("scenario");
    let out = dir.join("s.svg");
    let o = run(&["plot", "--scenario", path(&scenario), "--out", path(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(&out).expect("written");
    assert!(svg.contains("Three days, then stop"));
}

#[test]
fn an_unknown_size_is_exit_2_and_writes_nothing() {
    let dir = scratch("size");
    for size in ["huge", "10x10", "1600x900x2", "1600×900"] {
        let o = run(&["lesson", "--out", path(&dir), "--size", size]);
        assert_fails(&o, &["--size", "slide", "print"]);
        let o = run(&[
            "plot",
            "-r",
            "10mg iv",
            "--out",
            path(&dir.join("p.png")),
            "--size",
            size,
        ]);
        assert_fails(&o, &["--size"]);
    }
    assert!(files_in(&dir).is_empty());
}

#[test]
fn an_unknown_chart_is_exit_2_and_writes_nothing() {
    let dir = scratch("chart");
    let o = run(&["lesson", "--out", path(&dir), "--chart", "single-vs-repeat"]);
    assert_fails(
        &o,
        &["unknown chart", "single-vs-repeat", "single-vs-repeated"],
    );
    assert!(files_in(&dir).is_empty());
}

#[test]
fn a_missing_folder_is_exit_2_and_writes_nothing() {
    let dir = scratch("missing");
    let o = run(&["lesson", "--out", path(&dir.join("no/such"))]);
    assert_fails(&o, &["does not exist"]);
    let o = run(&[
        "plot",
        "-r",
        "10mg iv",
        "--out",
        path(&dir.join("no/such/p.png")),
    ]);
    assert_fails(&o, &["does not exist", "p.png"]);
    assert!(files_in(&dir).is_empty());
}

#[test]
fn lesson_creates_one_missing_folder_level() {
    let dir = scratch("create");
    let out = dir.join("new");
    let o = run(&[
        "lesson",
        "--out",
        path(&out),
        "--chart",
        "routes",
        "--size",
        "960x540",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(&out), ["routes.png", "routes.svg"]);
}

#[test]
fn a_wrong_image_type_is_exit_2_and_writes_nothing() {
    let dir = scratch("type");
    for name in ["p.jpg", "p", "p.pdf"] {
        let o = run(&["plot", "-r", "10mg iv", "--out", path(&dir.join(name))]);
        assert_fails(&o, &[".png or .svg"]);
    }
    assert!(files_in(&dir).is_empty());
}

#[test]
fn a_bad_regimen_is_exit_2() {
    let dir = scratch("regimen");
    let o = run(&["plot", "-r", "10mg ivv", "--out", path(&dir.join("p.png"))]);
    assert_fails(&o, &["ivv"]);
    assert!(files_in(&dir).is_empty());
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_is_exit_2_and_writes_nothing() {
    let dir = scratch("read-only");
    let target = common::unwritable_folder(&dir);
    let o = run(&["lesson", "--out", path(&target), "--chart", "routes"]);
    assert_fails(&o, &["cannot write"]);
    let o = run(&[
        "plot",
        "-r",
        "10mg iv",
        "--out",
        path(&target.join("p.svg")),
    ]);
    assert_fails(&o, &["cannot write", "p.svg"]);
    assert!(!target.join("routes.png").exists() && !target.join("p.svg").exists());
    assert!(files_in(&dir).is_empty());
    common::make_writable(&dir);
}
