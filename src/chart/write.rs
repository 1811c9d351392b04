//! Writing charts to files without ever leaving a half-written one.
//!
//! Every file is first written under a temporary name in its own folder
//! ([`PendingFile`](crate::output::PendingFile): PNG files end in `.tmp.png` because plotters
//! picks the image format from the extension), and renamed over the target only when all files
//! of the job are complete. If anything fails before that, the
//! temporary files are removed and no target is touched.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::index::index_markdown;
use super::lesson::{lesson, Lesson, LessonChart};
use super::{render_png_file, render_svg, ChartError, Figure, Size};
use crate::model::Model;
use crate::output::{folder_of, OutputError, PendingFile};

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

/// Files written under temporary names, renamed into place by [`Staged::commit`]; dropped
/// without committing, it removes them.
#[derive(Debug, Default)]
struct Staged {
    files: Vec<PendingFile>,
}

impl Staged {
    fn bytes(&mut self, target: &Path, bytes: &[u8]) -> Result<(), ChartError> {
        let file = PendingFile::new(target, "")?;
        let result = (|| {
            let mut f = std::fs::File::create(&file.temp)?;
            f.write_all(bytes)?;
            f.sync_all()
        })();
        self.files.push(file);
        result.map_err(|e| io_error(target, e))
    }

    fn figure(&mut self, target: &Path, fig: &Figure, size: Size) -> Result<(), ChartError> {
        match Format::of_path(target)? {
            Format::Svg => self.bytes(target, render_svg(fig, size)?.as_bytes()),
            Format::Png => {
                // plotters picks the image format from the extension, so the temporary
                // file ends in `.png` too.
                let file = PendingFile::new(target, ".png")?;
                let temp = file.temp.clone();
                self.files.push(file);
                // Fail early, with the system's own words, if the folder is not writable.
                std::fs::File::create(&temp).map_err(|e| io_error(target, e))?;
                render_png_file(fig, size, &temp).map_err(|e| match e {
                    ChartError::Output(OutputError::Io { reason, .. }) => io_error(target, reason),
                    other => other,
                })
            }
        }
    }

    fn commit(mut self) -> Result<Vec<PathBuf>, ChartError> {
        let mut done = Vec::new();
        let files = std::mem::take(&mut self.files);
        for (i, file) in files.iter().enumerate() {
            if let Err(e) = file.commit() {
                for rest in &files[i..] {
                    rest.discard();
                }
                return Err(ChartError::Output(e));
            }
            done.push(file.target.clone());
        }
        Ok(done)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for file in &self.files {
            file.discard();
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
