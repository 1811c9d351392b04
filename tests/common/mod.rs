//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

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
