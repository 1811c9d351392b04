//! Helpers shared by the integration tests.

// Each test binary compiles this module and uses only some of the helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fresh, empty scratch folder `<test binary>-<name>` for one test.
pub fn scratch(name: &str) -> PathBuf {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{binary}-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// The names of the files in a folder, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A folder this process cannot create files in: `dir` made read-only, or, where the user (root)
/// writes to read-only folders anyway, `/proc`, which refuses new files even to root.
#[cfg(unix)]
pub fn unwritable_folder(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let probe = dir.join("probe");
    let target = if std::fs::write(&probe, b"x").is_ok() {
        let _ = std::fs::remove_file(&probe);
        PathBuf::from("/proc")
    } else {
        dir.to_path_buf()
    };
    assert!(
        std::fs::write(target.join("probe"), b"x").is_err(),
        "{} must be unwritable",
        target.display()
    );
    target
}

/// Makes a folder from [`unwritable_folder`] writable again so that it can be cleaned up.
#[cfg(unix)]
pub fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
}

/// Runs the `opioid-sim` binary with `args`.
pub fn run_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs a failing command; checks exit code 2, nothing on stdout and one `error: ` line on
/// stderr with every fragment in `expected`; returns the line.
pub fn one_line_error(args: &[&str], expected: &[&str]) -> String {
    let o = run_cli(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?}: exit code; stderr: {err}"
    );
    assert!(
        o.stdout.is_empty(),
        "{args:?}: nothing on stdout, got {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line:\n{err}"
    );
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    for e in expected {
        assert!(err.contains(e), "{args:?}: expected {e:?} in: {err}");
    }
    err
}
