//! The promises of issue 14, one test each: errors printed once and on one line, limits that
//! cannot be walked around, output files that respect what is at the path, a README whose
//! examples leave the repository clean, and a command line that teaches its own grammar.

mod common;
use common::scratch;

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    common::run_cli(args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

use common::one_line_error;

/// `simulate` of one dose, watched for an hour, written to `out`.
fn simulate_one_dose_to(out: &str) -> Output {
    run(&["simulate", "-r", "10mg iv", "--observe", "1h", "-o", out])
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

// 1. Error text printed once.
#[test]
fn a_scenario_error_is_printed_once() {
    let dir = scratch("once");
    let file = dir.join("s.toml");
    std::fs::write(&file, "regimen = \"10mg ivv q8h x 2d\"\n").expect("write");
    let err = one_line_error(&["summary", "-s", path(&file)], &["did you mean iv?"]);
    assert_eq!(err.matches("unknown route").count(), 1, "{err}");
    std::fs::write(&file, "regimen = \"10mg iv\"\nobserve = \"3x\"\n").expect("write");
    let err = one_line_error(&["summary", "-s", path(&file)], &["observe"]);
    assert_eq!(err.matches("at column").count(), 1, "{err}");
}

// 2. Argument errors are one line, exit 2, and name what is accepted.
#[test]
fn argument_errors_are_one_line_and_name_what_is_accepted() {
    one_line_error(&["summary"], &["--regimen", "--scenario"]);
    one_line_error(&["plot"], &["--regimen", "--scenario"]);
    one_line_error(
        &["summary", "-r", "10mg iv", "-s", "taper"],
        &["--regimen", "--scenario"],
    );
    one_line_error(
        &["simulate", "-r", "10mg iv", "--format", "xml"],
        &["csv, json"],
    );
    one_line_error(
        &["plot", "-r", "10mg iv", "--size", "big"],
        &["slide", "print"],
    );
    one_line_error(
        &["simulate", "-r", "10mg iv", "--dt", "-1"],
        &["--dt", "positive"],
    );
    one_line_error(
        &["summary", "-r", "10mg iv", "--bogus"],
        &["--bogus", "--help"],
    );
    one_line_error(&["sumary"], &["summary"]);
    one_line_error(&[], &["simulate", "summary", "lesson", "plot", "list"]);
    one_line_error(&["list"], &["drugs|routes|scenarios|charts|parameters"]);
    one_line_error(&["list", "pets"], &["drugs", "parameters"]);
    one_line_error(
        &["sensitivity", "-r", "10mg iv", "--step-pct", "-5"],
        &["--step-pct", "-5"],
    );
    // Help and version are not errors.
    for args in [&["--help"][..], &["--version"], &["summary", "--help"]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(o.stderr.is_empty(), "{args:?}");
    }
}

// 3. The observation limit is the same for every command and named as such.
#[test]
fn the_observation_limit_is_named_and_holds_for_every_command() {
    for command in ["summary", "sensitivity", "simulate", "plot"] {
        let err = one_line_error(
            &[command, "-r", "10mg iv", "--observe", "3473d"],
            &["observe", "365 days"],
        );
        assert!(!err.contains("--dt"), "{command}: {err}");
    }
    // The limit itself runs (a year after a year of use would too; one day of use is quicker).
    let o = run(&["summary", "-r", "10mg iv", "--observe", "365d", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

// 4. `--out`: `-` is standard output; symlinks are followed; the mode is kept; special files
// are refused.
#[test]
fn out_dash_is_standard_output() {
    let dir = scratch("dash");
    let o = Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
        .args(["simulate", "-r", "10mg iv", "--observe", "1h", "-o", "-"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).starts_with("time_h,"));
    assert!(common::files_in(&dir).is_empty(), "no file named '-'");
}

#[cfg(unix)]
#[test]
fn out_follows_symlinks_keeps_the_mode_and_refuses_special_files() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = scratch("out-rules");
    let real = dir.join("real.csv");
    std::fs::write(&real, "old").expect("write");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let link = dir.join("link.csv");
    symlink("real.csv", &link).expect("symlink");

    let o = simulate_one_dose_to(path(&link));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let meta = std::fs::symlink_metadata(&link).expect("link");
    assert!(meta.file_type().is_symlink(), "the symlink stays a symlink");
    let content = std::fs::read_to_string(&real).expect("read");
    assert!(content.starts_with("time_h,"), "the target was written");
    let mode = std::fs::metadata(&real).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the mode is kept");

    // A FIFO is refused, not replaced (and nothing blocks on it).
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        one_line_error(
            &["simulate", "-r", "10mg iv", "-o", path(&fifo)],
            &["not a regular file", "- for standard output"],
        );
        let kind = std::fs::symlink_metadata(&fifo).expect("fifo").file_type();
        assert!(!kind.is_file(), "the FIFO is still a FIFO");
    }
    // A device (as `/dev/stdout` is, behind its symlinks) is refused with a pointer to `-`.
    one_line_error(
        &["simulate", "-r", "10mg iv", "-o", "/dev/null"],
        &["not a regular file"],
    );
    let left: Vec<String> = common::files_in(&dir)
        .into_iter()
        .filter(|n| n.starts_with(opioid_sim::output::TEMP_PREFIX))
        .collect();
    assert!(left.is_empty(), "no temporaries left: {left:?}");
}

// 5. The longest valid file name can be written.
#[test]
fn a_file_name_of_255_bytes_can_be_written() {
    let dir = scratch("long-name");
    let name = format!("{}.csv", "a".repeat(251));
    assert_eq!(name.len(), 255);
    let target = dir.join(&name);
    let o = simulate_one_dose_to(path(&target));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(common::files_in(&dir), [name]);
    // Charts too (their temporaries keep the .png extension).
    let chart = dir.join(format!("{}.png", "b".repeat(251)));
    let o = run(&[
        "plot",
        "-r",
        "10mg iv",
        "--observe",
        "1h",
        "-o",
        path(&chart),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

// 6. Temporaries of killed runs are ignored by git and cleaned by the next run.
#[test]
fn stale_temporaries_are_ignored_by_git_and_removed() {
    let gitignore = include_str!("../.gitignore");
    assert!(
        gitignore
            .lines()
            .any(|l| l.trim() == format!("{}*", opioid_sim::output::TEMP_PREFIX)),
        ".gitignore must ignore the temporary names: {gitignore}"
    );
    let dir = scratch("stale");
    // A process id that cannot be running (above the kernel's pid_max limit of 2^22).
    let stale = dir.join(format!(
        "{}99999999-0.tmp.png",
        opioid_sim::output::TEMP_PREFIX
    ));
    std::fs::write(&stale, b"half a chart").expect("write");
    let unrelated = dir.join("notes.tmp");
    std::fs::write(&unrelated, b"mine").expect("write");
    let o = simulate_one_dose_to(path(&dir.join("run.csv")));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    if Path::new("/proc/self").exists() {
        assert!(!stale.exists(), "the stale temporary is removed");
    }
    assert!(unrelated.exists(), "other files are left alone");
}

// 9. Limits that cannot be walked around, and messages that say what was typed.
#[test]
fn limits_hold_across_phases_files_and_text() {
    one_line_error(
        &["summary", "-r", "1000mg iv then 1000mg iv"],
        &["2000 mg", "1000 mg", "one moment"],
    );
    one_line_error(
        &["summary", "-r", "10mg iv then 600mg iv then 500mg iv"],
        &["1110 mg"],
    );
    // Across drugs the limit is per drug.
    let o = run(&["summary", "-r", "1000mg iv then 30mg morphine iv", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = one_line_error(
        &["summary", "-r", "1000.0000001mg iv"],
        &["1000.0000001 mg"],
    );
    assert!(!err.contains("this is 1000 mg"), "{err}");
    let huge = format!("10mg iv q1min x {}", "9".repeat(300));
    let err = one_line_error(&["summary", "-r", &huge], &["1.00e300 doses"]);
    assert!(!err.contains("18446744073709551615"), "{err}");
    assert!(
        err.len() < 400,
        "the message quotes a bounded excerpt: {err}"
    );
    let long = "10mg iv then ".repeat(200) + "10mg iv";
    one_line_error(&["summary", "-r", &long], &["characters", "2000"]);
}

#[cfg(unix)]
#[test]
fn files_are_read_up_to_a_limit() {
    // /dev/zero never ends: refused after 1 MB, not read until memory runs out.
    one_line_error(
        &["summary", "-r", "10mg iv", "--model", "/dev/zero"],
        &["/dev/zero", "1 MB"],
    );
    let dir = scratch("big-title");
    let file = dir.join("s.toml");
    let title = "t".repeat(500_000);
    std::fs::write(
        &file,
        format!("title = \"{title}\"\nregimen = \"10mg iv\"\n"),
    )
    .expect("w");
    one_line_error(
        &["plot", "-s", path(&file), "-o", path(&dir.join("x.png"))],
        &["title", "500000 characters", "200"],
    );
    assert_eq!(common::files_in(&dir), ["s.toml"]);
    std::fs::write(&file, [0xff, 0xfe, 0x00]).expect("w");
    one_line_error(&["summary", "-s", path(&file)], &["not UTF-8"]);
}

// 10. The README's examples write somewhere harmless.
#[test]
fn readme_examples_write_under_target() {
    let readme = include_str!("../README.md");
    let mut outs = 0;
    for line in readme.lines().filter(|l| l.contains("cargo run")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2) {
            if pair[0] == "--out" || pair[0] == "-o" {
                outs += 1;
                assert!(
                    // `plots` and `plots/validation`: the documented commands that rewrite
                    // the committed chart pack and validation report.
                    pair[1].starts_with("target/")
                        || pair[1] == "plots"
                        || pair[1] == "plots/validation",
                    "README example writes into the repository: {line}"
                );
            }
        }
        // `lesson` without --out rewrites the committed charts: only the documented
        // "generate the lesson charts" command may do that.
        if line.contains(" lesson") && !line.contains("--out") {
            assert!(
                !line.contains("--size") && !line.contains("--chart"),
                "a README example overwrites plots/ with other charts: {line}"
            );
        }
    }
    assert!(outs >= 2, "the README shows --out examples");
}

// Make the command line teach.
#[test]
fn help_shows_the_grammar_and_the_disclaimer() {
    let top = text(&run(&["--help"]).stdout);
    assert!(top.contains("not medical advice"), "{top}");
    for command in ["simulate", "summary", "plot"] {
        let help = text(&run(&[command, "--help"]).stdout);
        for needle in [
            "<--regimen <REGIMEN>|--scenario <SCENARIO>|--doses <DOSES>>",
            "REGIMEN GRAMMAR",
            "then",
            "wait",
            "taper",
            "q8h x 14d",
            "mg, ug",
            "min, h, d, w",
            "iv, smoked, intranasal, oral, im, sublingual",
            "heroin, morphine",
            "1000 mg",
            "365 days",
            "EXAMPLES",
        ] {
            assert!(
                help.contains(needle),
                "{command} --help lacks {needle:?}:\n{help}"
            );
        }
    }
}

#[test]
fn list_prints_what_exists() {
    let list = |what: &str| {
        let o = run(&["list", what]);
        assert_eq!(o.status.code(), Some(0), "{what}: {}", text(&o.stderr));
        text(&o.stdout)
    };
    let drugs = list("drugs");
    for d in [
        "heroin",
        "morphine",
        "naloxone",
        "methadone",
        "buprenorphine",
    ] {
        assert!(drugs.contains(d), "{drugs}");
    }
    assert!(list("routes").contains("sublingual"));
    let scenarios = list("scenarios");
    for (name, _) in opioid_sim::scenario::BUILT_IN {
        assert!(scenarios.contains(name), "{scenarios}");
    }
    let charts = list("charts");
    for c in opioid_sim::chart::LessonChart::ALL {
        assert!(charts.contains(c.name()), "{charts}");
    }
    let parameters = list("parameters");
    assert!(
        parameters.lines().count() > 50,
        "every documented parameter: {parameters}"
    );
    assert!(
        parameters.contains("species.morphine.clearance"),
        "{parameters}"
    );
    assert!(
        parameters.lines().all(|l| l.split('\t').count() == 4),
        "{parameters}"
    );
}

#[test]
fn built_in_scenarios_are_every_file_and_run_by_name() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/scenarios");
    let mut files: Vec<String> = common::files_in(&dir)
        .into_iter()
        .filter_map(|f| f.strip_suffix(".toml").map(str::to_string))
        .collect();
    files.sort();
    let mut built_in: Vec<String> = opioid_sim::scenario::BUILT_IN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    built_in.sort();
    assert_eq!(
        built_in, files,
        "scenario::BUILT_IN must list models/scenarios/"
    );
    for (name, text) in opioid_sim::scenario::BUILT_IN {
        let on_disk = std::fs::read_to_string(dir.join(format!("{name}.toml"))).expect("read");
        assert_eq!(text, on_disk, "{name}");
    }
    let scratch_dir = scratch("by-name");
    let o = Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
        .args(["summary", "--scenario", "two-weeks-then-stop", "--json"])
        .current_dir(&scratch_dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    one_line_error(
        &["summary", "--scenario", "two-weeks"],
        &["two-weeks", "two-weeks-then-stop", "single-dose"],
    );
}

#[test]
fn completions_are_generated_for_common_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let script = text(&o.stdout);
        assert!(script.contains("opioid-sim"), "{shell}");
        assert!(
            script.contains("summary") && script.contains("regimen"),
            "{shell}"
        );
    }
}

// 7 (model side): a model's drug and species names are typed in regimens and become column
// names, so they follow the grammar's drug-name rule.
#[test]
fn model_names_that_cannot_be_typed_are_refused() {
    let dir = scratch("model-names");
    let model = include_str!("../models/heroin.toml");
    for (from, to, field) in [
        (
            "name = \"methadone\"",
            "name = \"İmethadone\"",
            "species[4].name",
        ),
        (
            "name = \"heroin\"\ncompound",
            "name = \"Heroin\"\ncompound",
            "drug[0].name",
        ),
        ("name = \"mam6\"", "name = \"iv\"", "species[1].name"),
    ] {
        let edited = model.replacen(from, to, 1);
        assert_ne!(edited, model, "{from}");
        let file = dir.join("m.toml");
        std::fs::write(&file, edited).expect("write");
        one_line_error(
            &["summary", "-r", "10mg iv", "--model", path(&file)],
            &[field, "lower-case ASCII"],
        );
    }
}
