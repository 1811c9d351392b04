//! Reading TOML files (models and scenarios) with errors that name the file, line and column.

use serde::de::DeserializeOwned;

/// A file that cannot be read or parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("cannot read {kind} file {path}: {reason}")]
    Io {
        /// "model" or "scenario".
        kind: &'static str,
        /// The path given.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Malformed TOML, an unknown key or a value of the wrong type.
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        /// File name.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
}

/// The largest model or scenario file read, in bytes. The shipped model is about 40 kB; the
/// limit stops a wrong path (`/dev/zero`, a video) from filling memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a whole file as text, refusing more than [`MAX_FILE_BYTES`].
pub fn read(path: &std::path::Path, kind: &'static str) -> Result<String, FileError> {
    use std::io::Read as _;
    let io = |reason: String| FileError::Io {
        kind,
        path: path.display().to_string(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| io(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io(format!(
            "it is larger than {} MB; a {kind} file is a small TOML text file",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        io(format!(
            "it is not UTF-8 text (invalid byte at offset {}); a {kind} file is a TOML text file",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Deserializes TOML text; `origin` names it in errors, which carry the line and column.
pub fn parse<T: DeserializeOwned>(text: &str, origin: &str) -> Result<T, FileError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
        FileError::Syntax {
            origin: origin.to_string(),
            line,
            column,
            message: e.message().trim().replace('\n', " "),
        }
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
