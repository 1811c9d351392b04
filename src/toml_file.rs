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

/// Reads a whole file as text.
pub fn read(path: &std::path::Path, kind: &'static str) -> Result<String, FileError> {
    std::fs::read_to_string(path).map_err(|e| FileError::Io {
        kind,
        path: path.display().to_string(),
        reason: e.to_string(),
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
