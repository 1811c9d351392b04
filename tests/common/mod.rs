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
