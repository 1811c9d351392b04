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

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let io = |e: std::io::Error| OutputError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(OutputError::MissingFolder {
            path: path.display().to_string(),
            folder: folder.display().to_string(),
        });
    }
    if path.is_dir() {
        return Err(OutputError::Io {
            path: path.display().to_string(),
            reason: "it is a folder; give a file name".into(),
        });
    }
    let name = path.file_name().map_or_else(
        || "output".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tmp = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
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
