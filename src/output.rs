//! Writing results: CSV and JSON time series, and files written atomically.
//!
//! Every file the program writes goes through [`write_atomic`]: the content is written to a
//! temporary file beside the target and renamed over it only when complete, so an error never
//! leaves a half-written output.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::simulation::Trajectory;

/// What can go wrong when writing a file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder the file should go in does not exist.
    #[error("cannot write {path}: the folder {folder} does not exist; create it first or choose another path")]
    MissingFolder {
        /// The target path.
        path: String,
        /// Its folder.
        folder: String,
    },
    /// The operating system refused.
    #[error("cannot write {path}: {reason}")]
    Io {
        /// The target path.
        path: String,
        /// The reason.
        reason: String,
    },
}

/// The prefix of every temporary file name; `.gitignore` ignores `.opioid-sim-*`.
pub const TEMP_PREFIX: &str = ".opioid-sim-";

/// An output file being written: the final path (symlinks followed) and the temporary file
/// beside it that is renamed over it when complete.
///
/// The rules, the same for every file the program writes:
/// - `-` as a path means standard output; callers handle it before they get here;
/// - an existing symlink is followed: the file it points to is replaced, the link stays;
/// - an existing file keeps its permissions (mode 600 stays 600);
/// - a folder, FIFO, device or socket is refused (`-o /dev/stdout` too: use `-`);
/// - the replacement is a new file, so other hard links to the old file keep the old
///   content (the price of never leaving a half-written file);
/// - the temporary name is short (`.opioid-sim-PID-N.tmp` plus the extension), so any valid
///   file name can be written, and temporaries left by a killed run are removed by the next
///   run that writes in that folder.
#[derive(Debug)]
pub struct PendingFile {
    /// Where the content ends up (symlinks resolved).
    pub target: PathBuf,
    /// The temporary file the content is written to first.
    pub temp: PathBuf,
    /// The permissions of the file being replaced, kept for the new one.
    keep: Option<std::fs::Permissions>,
    /// The path as the user gave it, for messages.
    given: PathBuf,
}

impl PendingFile {
    /// Checks `path` and chooses a temporary name beside its target; `extension` (e.g.
    /// `".png"`, or `""`) ends the temporary name, for writers that choose a format by it.
    pub fn new(path: &Path, extension: &str) -> Result<PendingFile, OutputError> {
        let given = path.to_path_buf();
        let refuse = |reason: &str| OutputError::Io {
            path: given.display().to_string(),
            reason: reason.to_string(),
        };
        // The kernel follows symlinks for `metadata`, also through `/proc/self/fd` links
        // (`/dev/stdout`) whose targets are not paths.
        let keep = match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return Err(refuse("it is a folder; give a file name")),
            Ok(meta) if !meta.is_file() => {
                return Err(refuse(
                    "it is not a regular file (a FIFO, device or socket); give a file path, \
                     or - for standard output",
                ))
            }
            Ok(meta) => Some(meta.permissions()),
            Err(_) => None,
        };
        let target = follow_symlinks(path).map_err(|e| refuse(&e))?;
        let folder = folder_of(&target);
        if !folder.is_dir() {
            return Err(OutputError::MissingFolder {
                path: given.display().to_string(),
                folder: folder.display().to_string(),
            });
        }
        remove_stale_temporaries(&folder);
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temp = folder.join(format!(
            "{TEMP_PREFIX}{}-{n}.tmp{extension}",
            std::process::id()
        ));
        Ok(PendingFile {
            target,
            temp,
            keep,
            given,
        })
    }

    /// An error about this file, naming the path as given.
    pub fn error(&self, reason: impl std::fmt::Display) -> OutputError {
        OutputError::Io {
            path: self.given.display().to_string(),
            reason: reason.to_string(),
        }
    }

    /// Moves the complete temporary file into place (keeping the old file's permissions).
    pub fn commit(&self) -> Result<(), OutputError> {
        let result = (|| {
            if let Some(perm) = &self.keep {
                std::fs::set_permissions(&self.temp, perm.clone())?;
            }
            std::fs::rename(&self.temp, &self.target)
        })();
        result.map_err(|e| {
            self.discard();
            self.error(e)
        })
    }

    /// Removes the temporary file (after a failure).
    pub fn discard(&self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// The folder a path is in (`.` for a bare file name).
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The path a chain of symlinks ends at (the path itself if it is no symlink, or if nothing
/// is there yet).
fn follow_symlinks(path: &Path) -> Result<PathBuf, String> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current).map_err(|e| e.to_string())?;
                current = if link.is_absolute() {
                    link
                } else {
                    folder_of(&current).join(link)
                };
            }
            _ => return Ok(current),
        }
    }
    Err("too many levels of symbolic links".to_string())
}

/// Removes temporaries (`.opioid-sim-PID-N.tmp*`) in `folder` left by runs that were killed:
/// those whose process no longer runs (where `/proc` tells), or older than a day elsewhere.
/// Best effort: a temporary that cannot be removed is left alone.
fn remove_stale_temporaries(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let proc_known = Path::new("/proc/self").exists();
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        let Some((pid, tail)) = rest.split_once('-') else {
            continue;
        };
        if pid == own || !tail.contains(".tmp") || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let stale = if proc_known {
            !Path::new("/proc").join(pid).exists()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 24 * 3600)
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename (see
/// [`PendingFile`] for the rules on symlinks, permissions and special files).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let file = PendingFile::new(path, "")?;
    let result = (|| {
        let mut f = std::fs::File::create(&file.temp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = result {
        file.discard();
        return Err(file.error(e));
    }
    file.commit()
}

/// Formats a number for CSV and JSON: up to six decimals, trailing zeros removed.
pub fn format_number(x: f64) -> String {
    format_decimals(x, 6)
}

/// A number with at most `decimals` decimals: trailing zeros and a negative zero removed.
pub fn format_decimals(x: f64, decimals: usize) -> String {
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

/// The trajectory as CSV text with a header row. Undefined values are empty fields.
pub fn to_csv(traj: &Trajectory) -> String {
    let mut out = traj.column_names().join(",");
    out.push('\n');
    for i in 0..traj.len() {
        for j in 0..traj.column_count() {
            if j > 0 {
                out.push(',');
            }
            if let Some(v) = traj.value(j, i) {
                out.push_str(&format_number(v));
            }
        }
        out.push('\n');
    }
    out
}

/// The trajectory as a JSON object: `{"regimen", "model", "columns": {name: [values]}}`,
/// column-oriented so that each series is one array. Undefined values are `null`.
pub fn to_json(traj: &Trajectory, regimen: &str, model: &str) -> String {
    let names = traj.column_names();
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"regimen\":{},\"model\":{},\"rows\":{},\"columns\":{{",
        json_string(regimen),
        json_string(model),
        traj.len()
    );
    for (j, name) in names.iter().enumerate() {
        if j > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}:[", json_string(name));
        for i in 0..traj.len() {
            if i > 0 {
                out.push(',');
            }
            match traj.value(j, i) {
                Some(v) => out.push_str(&format_number(v)),
                None => out.push_str("null"),
            }
        }
        out.push(']');
    }
    out.push_str("}}\n");
    out
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
