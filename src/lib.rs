//! opioid-sim: a teaching simulator of opioid tolerance and physical dependence.
//!
//! See `ARCHITECTURE.md` for the bird's-eye view and the model equations.

pub mod chart;
pub mod cohort;
pub mod dose;
pub mod explorer;
pub mod model;
pub mod nonmem;
pub mod output;
pub mod pk;
pub mod regimen;
pub mod report;
pub mod scenario;
pub mod sensitivity;
pub mod simulation;
pub mod solver;
pub mod toml_file;
pub mod validation;
