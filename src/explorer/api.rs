//! What the explorer answers: a request (method and target) in, a [`Reply`] out.
//!
//! Nothing here knows HTTP connections, threads or sockets, so every endpoint is testable as a
//! plain function call ([`Site::answer`]). Every endpoint is one row of [`ENDPOINTS`]: its path,
//! the parameters it takes and what it returns; the same table routes requests, rejects unknown
//! parameters and is checked against the README by a test.
//!
//! Each endpoint runs at most one simulation, through the same library calls as the command line
//! (`simulate`, `summarize`, `plot_figure`), so the numbers are the CLI's numbers. Input is
//! checked before anything runs: the regimen by its grammar (with its limits of 1000 mg a dose,
//! 365 days and 10,000 doses), `observe` to at most [`MAX_OBSERVE_DAYS`] days (as the CLI), the time series to
//! at most [`MAX_ROWS`] rows and images to at most [`MAX_IMAGE_PIXELS`] pixels. Bad input is HTTP
//! 400 with `{"error": "<the CLI's one-line message>"}`.

use serde::Serialize;

use super::presets::Preset;
use super::query::Query;
use crate::chart::{plot_figure, render_rgb, render_svg, Size};
use crate::dose::Route;
use crate::model::Model;
use crate::output::{to_csv, to_json};
use crate::regimen::{
    parse_duration_h, Regimen, MAX_DOSES, MAX_DOSE_MG, MAX_SPAN_DAYS, MIN_INTERVAL_MIN,
};
use crate::report::DISCLAIMER;
use crate::scenario::Scenario;
use crate::simulation::{
    check_observe, end_time, simulate, summarize, SimOptions, MAX_OBSERVE_DAYS,
};

/// The most rows a time series may have (`/api/simulate`, `/api/simulate.csv`). Two years on the
/// default 5-minute grid are 210,240 rows, so only a finer `dt` reaches it.
pub const MAX_ROWS: f64 = 250_000.0;

/// The largest image drawn, in pixels: the `print` size (2400 x 1500).
pub const MAX_IMAGE_PIXELS: u32 = 2400 * 1500;

/// The default output grid of `/api/simulate`, as the CLI's `simulate --dt`.
const DEFAULT_DT: &str = "5min";

/// An answer: status, content type and body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            content_type,
            body: body.into(),
        }
    }

    /// The body as text (lossy), for tests and logs.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A request the explorer refuses: an HTTP status and a one-line message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code (400 for bad input).
    pub status: u16,
    /// The message, as the CLI prints it after `error: `.
    pub message: String,
}

impl ApiError {
    /// Bad input (400).
    pub fn bad_request(message: String) -> ApiError {
        ApiError {
            status: 400,
            message,
        }
    }

    /// Any status with a message.
    pub fn with_status(status: u16, message: String) -> ApiError {
        ApiError { status, message }
    }

    /// The reply: `{"error": message}` as JSON.
    pub fn reply(&self) -> Reply {
        Reply {
            status: self.status,
            content_type: JSON,
            body: format!("{}\n", serde_json::json!({ "error": self.message })).into_bytes(),
        }
    }
}

const JSON: &str = "application/json; charset=utf-8";
const CSV: &str = "text/csv; charset=utf-8";
const SVG: &str = "image/svg+xml";
const PNG: &str = "image/png";

/// One API endpoint: its path, the parameters it takes, what it returns, and the function that
/// answers it.
pub struct Endpoint {
    /// The path, e.g. `/api/summary`.
    pub path: &'static str,
    /// The query parameters it accepts (any other is an error).
    pub params: &'static [&'static str],
    /// What it returns, for the documentation.
    pub returns: &'static str,
    answer: fn(&Site, &Query) -> Result<Reply, ApiError>,
}

/// Every API endpoint.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        path: "/api",
        params: &[],
        returns: "this list: every endpoint with its parameters and what it returns",
        answer: |_, _| {
            let list: Vec<_> = ENDPOINTS
                .iter()
                .map(|e| serde_json::json!({ "path": e.path, "params": e.params, "returns": e.returns }))
                .collect();
            let json = serde_json::to_string_pretty(&list).map_err(internal)?;
            Ok(Reply::ok(JSON, format!("{json}\n")))
        },
    },
    Endpoint {
        path: "/api/simulate",
        params: &["regimen", "observe", "dt"],
        returns: "the time series as JSON, as `simulate --format json`",
        answer: |site, q| {
            let (input, traj) = site.time_series(q)?;
            Ok(Reply::ok(
                JSON,
                to_json(&traj, &input.regimen.describe(), &site.model.name),
            ))
        },
    },
    Endpoint {
        path: "/api/simulate.csv",
        params: &["regimen", "observe", "dt"],
        returns: "the time series as CSV, as `simulate`",
        answer: |site, q| {
            let (_, traj) = site.time_series(q)?;
            Ok(Reply::ok(CSV, to_csv(&traj)))
        },
    },
    Endpoint {
        path: "/api/summary",
        params: &["regimen", "observe"],
        returns: "the headline numbers as JSON, exactly as `summary --json`",
        answer: |site, q| {
            let input = site.run_input(q)?;
            let summary =
                summarize(&site.model, &input.regimen, input.observe_h).map_err(bad_input)?;
            let json = serde_json::to_string_pretty(&summary).map_err(internal)?;
            Ok(Reply::ok(JSON, format!("{json}\n")))
        },
    },
    Endpoint {
        path: "/api/chart.svg",
        params: &["regimen", "observe", "size"],
        returns: "the chart `plot` draws, as SVG",
        answer: |site, q| {
            let (figure, size) = site.chart(q)?;
            Ok(Reply::ok(SVG, render_svg(&figure, size).map_err(internal)?))
        },
    },
    Endpoint {
        path: "/api/chart.png",
        params: &["regimen", "observe", "size"],
        returns: "the chart `plot` draws, as PNG",
        answer: |site, q| {
            let (figure, size) = site.chart(q)?;
            let canvas = size.canvas();
            let rgb = render_rgb(&figure, size).map_err(internal)?;
            Ok(Reply::ok(
                PNG,
                encode_png(&rgb, canvas.width, canvas.height)?,
            ))
        },
    },
    Endpoint {
        path: "/api/presets",
        params: &[],
        returns:
            "the lesson scenarios (`models/scenarios/`): name, title, description, regimen, observe",
        answer: |site, _| Ok(Reply::ok(JSON, site.presets_json.clone())),
    },
    Endpoint {
        path: "/api/options",
        params: &[],
        returns:
            "the model's drugs and their routes, the limits, the default window and the disclaimer",
        answer: |site, _| Ok(Reply::ok(JSON, site.options_json.clone())),
    },
];

/// The page, with a placeholder for the disclaimer.
const INDEX_HTML: &str = include_str!("page/index.html");

/// The page and its two files, embedded in the binary: path, content type, text.
const PAGE: &[(&str, &str, &str)] = &[
    ("/", "text/html; charset=utf-8", INDEX_HTML),
    (
        "/explorer.js",
        "text/javascript; charset=utf-8",
        include_str!("page/explorer.js"),
    ),
    (
        "/explorer.css",
        "text/css; charset=utf-8",
        include_str!("page/explorer.css"),
    ),
];

/// The placeholder in `index.html` that the disclaimer replaces.
const DISCLAIMER_SLOT: &str = "{{disclaimer}}";

/// A regimen and the window after its last dose, checked.
struct RunInput {
    regimen: Regimen,
    title: String,
    observe_h: f64,
}

/// Everything the explorer serves: the model, the page, the presets. Built once at start-up;
/// read-only afterwards, so any number of threads may answer from it.
pub struct Site {
    model: Model,
    index_html: String,
    presets_json: String,
    options_json: String,
}

#[derive(Serialize)]
struct DrugOption<'a> {
    name: &'a str,
    routes: Vec<&'static str>,
}

#[derive(Serialize)]
struct Limits {
    max_dose_mg: f64,
    min_interval_min: f64,
    max_span_days: f64,
    max_doses: usize,
    max_observe_days: f64,
}

#[derive(Serialize)]
struct Options<'a> {
    model: &'a str,
    disclaimer: &'static str,
    drugs: Vec<DrugOption<'a>>,
    default_observe: String,
    limits: Limits,
}

impl Site {
    /// The site for `model`, with `presets` (the lesson scenarios).
    pub fn new(model: Model, presets: &[Preset]) -> Result<Site, serde_json::Error> {
        let options = Options {
            model: &model.name,
            disclaimer: DISCLAIMER,
            drugs: model
                .drugs
                .iter()
                .map(|d| DrugOption {
                    name: &d.name,
                    routes: Route::ALL
                        .iter()
                        .filter(|r| d.route(**r).is_some())
                        .map(|r| r.name())
                        .collect(),
                })
                .collect(),
            default_observe: super::presets::duration_text(SimOptions::default().observe_h),
            limits: Limits {
                max_dose_mg: MAX_DOSE_MG,
                min_interval_min: MIN_INTERVAL_MIN,
                max_span_days: MAX_SPAN_DAYS,
                max_doses: MAX_DOSES,
                max_observe_days: MAX_OBSERVE_DAYS,
            },
        };
        let options_json = format!("{}\n", serde_json::to_string(&options)?);
        let presets_json = format!("{}\n", serde_json::to_string(presets)?);
        let index_html = INDEX_HTML.replace(DISCLAIMER_SLOT, DISCLAIMER);
        Ok(Site {
            model,
            index_html,
            presets_json,
            options_json,
        })
    }

    /// The model the explorer runs.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Answers one request. `target` is the request's path and query, e.g.
    /// `/api/summary?regimen=10mg%20iv`. Never panics on any input.
    pub fn answer(&self, method: &str, target: &str) -> Reply {
        if method != "GET" && method != "HEAD" {
            return ApiError::with_status(
                405,
                format!("method {method} is not allowed; the explorer answers GET requests only"),
            )
            .reply();
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        // The page's own query (a shared link's `?regimen=...`) is read by the page, not here.
        if let Some((_, content_type, body)) = PAGE.iter().find(|(p, _, _)| *p == path) {
            let body: &str = if path == "/" { &self.index_html } else { body };
            return Reply::ok(content_type, body.as_bytes());
        }
        let Some(endpoint) = ENDPOINTS.iter().find(|e| e.path == path) else {
            return ApiError::with_status(
                404,
                format!(
                    "no such page: {}; the explorer serves / and {}",
                    shorten(path),
                    ENDPOINTS
                        .iter()
                        .map(|e| e.path)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .reply();
        };
        let result = Query::parse(query, endpoint.params).and_then(|q| (endpoint.answer)(self, &q));
        result.unwrap_or_else(|e| e.reply())
    }

    /// The regimen and window of a request: `regimen` (required) and `observe` (optional).
    fn run_input(&self, q: &Query) -> Result<RunInput, ApiError> {
        let text = q.get("regimen").ok_or_else(|| {
            ApiError::bad_request(
                "regimen: missing; give a regimen, e.g. ?regimen=10mg%20iv%20q8h%20x%2014d".into(),
            )
        })?;
        let scenario = Scenario::from_regimen_text(text).map_err(bad_input)?;
        let observe_h = match q.get("observe") {
            None => SimOptions::default().observe_h,
            Some(t) => {
                parse_duration_h(t).map_err(|e| ApiError::bad_request(format!("observe: {e}")))?
            }
        };
        check_observe(observe_h).map_err(bad_input)?;
        Ok(RunInput {
            regimen: scenario.regimen,
            title: scenario.title,
            observe_h,
        })
    }

    /// The time series of a request (`dt` optional, 5 min by default).
    fn time_series(
        &self,
        q: &Query,
    ) -> Result<(RunInput, crate::simulation::Trajectory), ApiError> {
        let input = self.run_input(q)?;
        let dt_text = q.get("dt").unwrap_or(DEFAULT_DT);
        let dt_h =
            parse_duration_h(dt_text).map_err(|e| ApiError::bad_request(format!("dt: {e}")))?;
        let rows = end_time(&input.regimen, input.observe_h) / dt_h;
        if rows.is_nan() || rows > MAX_ROWS {
            return Err(ApiError::bad_request(format!(
                "dt: {} would give {} rows, more than the explorer's limit of {MAX_ROWS}; \
                 use a larger dt, e.g. dt=1h",
                dt_text.trim(),
                if rows.is_finite() {
                    format!("{rows:.0}")
                } else {
                    "unlimited".into()
                }
            )));
        }
        let opts = SimOptions {
            observe_h: input.observe_h,
            dt_h,
            ..SimOptions::default()
        };
        let traj = simulate(&self.model, &input.regimen, &opts).map_err(bad_input)?;
        Ok((input, traj))
    }

    /// The chart of a request, and its size (`size` optional, `slide` by default).
    fn chart(&self, q: &Query) -> Result<(crate::chart::Figure, Size), ApiError> {
        let size: Size = match q.get("size") {
            None => Size::Slide,
            Some(t) => t
                .parse()
                .map_err(|e| ApiError::bad_request(format!("size: {e}")))?,
        };
        let canvas = size.canvas();
        if canvas.width * canvas.height > MAX_IMAGE_PIXELS {
            return Err(ApiError::bad_request(format!(
                "size: {size} is larger than the explorer draws; at most {MAX_IMAGE_PIXELS} \
                 pixels, e.g. size=print (2400x1500) or size=1600x900"
            )));
        }
        let input = self.run_input(q)?;
        let figure = plot_figure(&self.model, &input.title, &input.regimen, input.observe_h)
            .map_err(bad_input)?;
        Ok((figure, size))
    }
}

/// A library error caused by the input: 400 with its message.
fn bad_input(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(e.to_string())
}

/// A failure that is not the input's fault (a bug): 500.
fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::with_status(
        500,
        format!("internal error (a bug, please report it): {e}"),
    )
}

/// The start of a long path, for messages.
fn shorten(path: &str) -> String {
    const MAX: usize = 80;
    match path.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &path[..i]),
        None => path.to_string(),
    }
}

/// An RGB buffer as a PNG file, in memory.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(internal)?;
        writer.write_image_data(rgb).map_err(internal)?;
    }
    Ok(out)
}
