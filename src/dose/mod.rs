//! What a person takes: a dose (time, amount, drug, route) and the routes of administration.
//!
//! The vocabulary shared by the regimen grammar (which produces doses from text), the model
//! (whose drugs are defined per route) and the simulation (which gives doses). It depends on
//! none of them.

mod route;

use serde::Serialize;

pub(crate) use route::route_list;
pub use route::{Route, UnknownRouteName};

/// Time in hours since the start of a run.
pub type Hours = f64;

/// One dose event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dose {
    /// When the dose is taken, in hours from the start.
    pub time_h: Hours,
    /// How much, in mg.
    pub amount_mg: f64,
    /// Which drug, lower-case (e.g. `heroin`, `morphine`).
    pub drug: String,
    /// How it is taken.
    pub route: Route,
}
