//! Writing charts to files without ever leaving a half-written one.
//!
//! Every file is first written under a temporary name in its own folder (PNG files end in
//! `.tmp.png` because plotters picks the image format from the extension), and renamed over the
//! target only when all files of the job are complete. If anything fails before that, the
//! temporary files are removed and no target is touched.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::index::index_markdown;
use super::lesson::{lesson, Lesson, LessonChart};
use super::{render_png_file, render_svg, ChartError, Figure, Size};
use crate::model::Model;
use crate::output::OutputError;

/// Image format, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Raster image for slides and web pages.
    Png,
    /// Vector image for print and editing.
    Svg,
}

impl Format {
    /// The format a path's extension asks for (`.png` or `.svg`, any case).
    pub fn of_path(path: &Path) -> Result<Format, ChartError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(ChartError::UnsupportedFormat {
                path: path.display().to_string(),
            }),
        }
    }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> ChartError {
    ChartError::Output(OutputError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Files written under temporary names, renamed into place by [`Staged::commit`]; dropped
/// without committing, it removes them.
#[derive(Debug, Default)]
struct Staged {
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    /// A temporary name beside `target` that keeps its extension.
    fn temp_for(target: &Path) -> PathBuf {
        let name = target
            .file_name()
            .map_or_else(|| "chart".into(), |n| n.to_string_lossy().into_owned());
        let ext = target
            .extension()
            .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
        folder_of(target).join(format!(".{name}.{}.tmp{ext}", std::process::id()))
    }

    fn check_target(target: &Path) -> Result<(), ChartError> {
        let folder = folder_of(target);
        if !folder.is_dir() {
            return Err(ChartError::Output(OutputError::MissingFolder {
                path: target.display().to_string(),
                folder: folder.display().to_string(),
            }));
        }
        if target.is_dir() {
            return Err(io_error(target, "it is a folder; give a file name"));
        }
        Ok(())
    }

    fn bytes(&mut self, target: &Path, bytes: &[u8]) -> Result<(), ChartError> {
        Self::check_target(target)?;
        let tmp = Self::temp_for(target);
        self.files.push((tmp.clone(), target.to_path_buf()));
        let mut f = std::fs::File::create(&tmp).map_err(|e| io_error(target, e))?;
        f.write_all(bytes).map_err(|e| io_error(target, e))?;
        f.sync_all().map_err(|e| io_error(target, e))
    }

    fn figure(&mut self, target: &Path, fig: &Figure, size: Size) -> Result<(), ChartError> {
        match Format::of_path(target)? {
            Format::Svg => self.bytes(target, render_svg(fig, size)?.as_bytes()),
            Format::Png => {
                Self::check_target(target)?;
                let tmp = Self::temp_for(target);
                self.files.push((tmp.clone(), target.to_path_buf()));
                // Fail early, with the system's own words, if the folder is not writable.
                std::fs::File::create(&tmp).map_err(|e| io_error(target, e))?;
                render_png_file(fig, size, &tmp).map_err(|e| match e {
                    ChartError::Output(OutputError::Io { reason, .. }) => io_error(target, reason),
                    other => other,
                })
            }
        }
    }

    fn commit(mut self) -> Result<Vec<PathBuf>, ChartError> {
        let mut done = Vec::new();
        for (tmp, target) in std::mem::take(&mut self.files) {
            if let Err(e) = std::fs::rename(&tmp, &target) {
                let _ = std::fs::remove_file(&tmp);
                self.files.clear();
                return Err(io_error(&target, e));
            }
            done.push(target);
        }
        Ok(done)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Writes a figure to `path` as PNG or SVG, by the extension, atomically.
pub fn write_chart(fig: &Figure, size: Size, path: &Path) -> Result<(), ChartError> {
    let mut staged = Staged::default();
    staged.figure(path, fig, size)?;
    staged.commit().map(|_| ())
}

/// Builds the lesson charts in `charts` from `model` and writes `<chart>.png` and `<chart>.svg`
/// for each into `dir`, plus the index `README.md` when `charts` holds every lesson chart. `dir`
/// is created if it is missing but its parent exists (and removed again if writing fails).
/// Returns the files written, in order.
pub fn write_lesson(
    model: &Model,
    dir: &Path,
    size: Size,
    charts: &[LessonChart],
) -> Result<Vec<PathBuf>, ChartError> {
    // Each chart once, in the order given.
    let mut unique: Vec<LessonChart> = Vec::with_capacity(charts.len());
    for &c in charts {
        if !unique.contains(&c) {
            unique.push(c);
        }
    }
    // Build every chart before touching the disk: a simulation error writes nothing.
    let lessons: Vec<Lesson> = unique
        .iter()
        .map(|&c| lesson(model, c))
        .collect::<Result<_, _>>()?;
    let created = prepare_dir(dir)?;
    let result = (|| {
        let mut staged = Staged::default();
        for l in &lessons {
            for ext in ["png", "svg"] {
                let path = dir.join(format!("{}.{ext}", l.chart.name()));
                staged.figure(&path, &l.figure, size)?;
            }
        }
        let complete = LessonChart::ALL.iter().all(|c| unique.contains(c));
        if complete {
            let text = index_markdown(&lessons, model);
            staged.bytes(&dir.join("README.md"), text.as_bytes())?;
        }
        staged.commit()
    })();
    if result.is_err() && created {
        let _ = std::fs::remove_dir(dir);
    }
    result
}

/// Makes sure `dir` is a folder; creates it (one level) if its parent exists. Returns whether it
/// was created.
fn prepare_dir(dir: &Path) -> Result<bool, ChartError> {
    if dir.is_dir() {
        return Ok(false);
    }
    if dir.exists() {
        return Err(io_error(dir, "it is a file, not a folder"));
    }
    let parent = folder_of(dir);
    if !parent.is_dir() {
        return Err(ChartError::Output(OutputError::MissingFolder {
            path: dir.display().to_string(),
            folder: parent.display().to_string(),
        }));
    }
    std::fs::create_dir(dir).map_err(|e| io_error(dir, e))?;
    Ok(true)
}
