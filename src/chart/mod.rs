//! Charts: the lesson pack and a chart of any schedule, as PNG and SVG.
//!
//! A chart is built in two steps. First a [`Figure`] is assembled from simulations: pure data
//! (titles, panels, axes with units, series, COWS bands, notes), with every number in a title or
//! caption read from the model output. Then one renderer (`render.rs`) draws the figure with plotters: text in
//! pure Rust (`ab_glyph` and DejaVu Sans from the `dejavu` crate, see [`register_fonts`]), so
//! charts build on a machine without system font libraries.
//!
//! - [`lesson()`] builds one of the eleven [`LessonChart`]s with its caption; [`write_lesson`]
//!   writes the pack (`<chart>.png`, `<chart>.svg` and an index `README.md`).
//! - [`plot_figure`] charts any regimen; [`write_chart`] writes a figure as PNG or SVG by the
//!   file's extension.
//!
//! Output is deterministic: the same model and size give byte-identical files. Nothing is
//! written until every chart has been drawn, and every file goes through a temporary file and a
//! rename, so an error never leaves a half-written chart.

pub mod bands;
pub mod figure;
mod index;
mod lesson;
mod plot;
mod render;
pub mod style;
pub mod tornado;
mod write;

use std::path::Path;

use plotters::prelude::*;

pub use figure::Figure;
pub use index::index_markdown;
pub(crate) use lesson::footer;
pub use lesson::{lesson, Lesson, LessonChart};
pub use plot::plot_figure;
pub use style::{register_fonts, Canvas, Size};
pub use write::{write_chart, write_lesson, Format};

use crate::output::OutputError;
use crate::regimen::RegimenError;
use crate::simulation::SimError;

/// What can go wrong when building or writing a chart.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// `--size` is not one of the accepted forms.
    #[error("unknown size \"{given}\"; expected {expected}")]
    InvalidSize {
        /// What was given.
        given: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// A chart name that is not a lesson chart.
    #[error("unknown chart \"{name}\"; the lesson charts are: {available}")]
    UnknownChart {
        /// The name given.
        name: String,
        /// The lesson chart names.
        available: String,
    },
    /// An output file name whose extension is neither `.png` nor `.svg`.
    #[error("cannot write {path}: unsupported file type; give a file name ending in .png or .svg")]
    UnsupportedFormat {
        /// The path given.
        path: String,
    },
    /// The output folder is missing, or a file cannot be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Drawing failed (a bug, or a font problem).
    #[error("drawing the chart failed: {reason}")]
    Render {
        /// plotters' message.
        reason: String,
    },
    /// The embedded font could not be registered.
    #[error("the embedded DejaVu Sans font could not be loaded")]
    Font,
    /// A simulation behind a chart failed.
    #[error(transparent)]
    Simulation(#[from] SimError),
    /// A regimen behind a chart does not parse (a bug in a lesson definition).
    /// (The parser's error is part of this message, not a separate cause, so that it is
    /// printed once.)
    #[error("a lesson regimen does not parse: {0}")]
    Regimen(RegimenError),
    /// A model behind a chart does not load (a drawn person of a cohort chart).
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// A cohort behind a chart failed.
    #[error("a lesson cohort failed: {0}")]
    Cohort(String),
}

impl From<RegimenError> for ChartError {
    fn from(e: RegimenError) -> Self {
        ChartError::Regimen(e)
    }
}

/// Draws a figure as an SVG document.
pub fn render_svg(fig: &Figure, size: Size) -> Result<String, ChartError> {
    register_fonts()?;
    let canvas = size.canvas();
    let mut out = String::new();
    {
        let root =
            SVGBackend::with_string(&mut out, (canvas.width, canvas.height)).into_drawing_area();
        render::draw(&root, fig, &canvas)?;
        root.present().map_err(|e| ChartError::Render {
            reason: e.to_string(),
        })?;
    }
    Ok(out)
}

/// Draws a figure into an RGB pixel buffer (`width * height * 3` bytes, rows top to bottom):
/// what a PNG holds, without a file.
pub fn render_rgb(fig: &Figure, size: Size) -> Result<Vec<u8>, ChartError> {
    register_fonts()?;
    let canvas = size.canvas();
    let mut buf = vec![0u8; canvas.width as usize * canvas.height as usize * 3];
    {
        let root =
            BitMapBackend::with_buffer(&mut buf, (canvas.width, canvas.height)).into_drawing_area();
        render::draw(&root, fig, &canvas)?;
        root.present().map_err(|e| ChartError::Render {
            reason: e.to_string(),
        })?;
    }
    Ok(buf)
}

/// Draws a figure as a PNG file at `path` (which should end in `.png`; no rename happens here:
/// callers write to a temporary name and rename).
fn render_png_file(fig: &Figure, size: Size, path: &Path) -> Result<(), ChartError> {
    register_fonts()?;
    let canvas = size.canvas();
    let root = BitMapBackend::new(path, (canvas.width, canvas.height)).into_drawing_area();
    render::draw(&root, fig, &canvas)?;
    root.present().map_err(|e| {
        ChartError::Output(OutputError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    })
}
