//! The explorer: a local web page where a student changes a schedule and watches the body
//! respond (`opioid-sim serve`).
//!
//! One binary serves one page (`page/`: plain HTML, CSS and JavaScript, embedded with
//! `include_str!`, no framework, no build step, nothing loaded from the network) and a small
//! JSON API that the page calls (`api.rs`, one table of endpoints). The page sends the regimen
//! text; the server parses it with the same grammar as the command line, runs one simulation
//! with the same library calls, and answers with the chart `plot` draws (SVG or PNG), the
//! numbers `summary --json` prints, or the time series `simulate` writes. Bad input is HTTP 400
//! with the CLI's one-line message as `{"error": ...}`, which the page shows under the text box.
//!
//! Invariants:
//! - **Local only.** The server listens on 127.0.0.1 and nothing else, and answers only requests
//!   whose `Host` is that address or `localhost` (a web page elsewhere cannot reach it by DNS
//!   rebinding).
//! - **No file system from requests.** Everything served is in memory: the page, the model and
//!   the presets are read once at start-up from the binary itself.
//! - **Bounded work.** A request target longer than [`MAX_TARGET_BYTES`] is refused with 414
//!   before it is parsed; the regimen grammar's limits, [`crate::simulation::MAX_OBSERVE_DAYS`],
//!   [`api::MAX_ROWS`] and [`api::MAX_IMAGE_PIXELS`] bound each simulation and image; each
//!   request runs at most one simulation, on one of [`WORKERS`] threads. The largest run these
//!   limits allow (a dose every 53 minutes for a year, watched for another year) takes under a
//!   second in a release build. (`tiny_http` reads a request line whole before the explorer sees
//!   it, so the target limit is checked after reading; a 1 MB line is refused in milliseconds.)
//! - **A time cap.** Each answer is computed on a thread of its own and waited for at most
//!   [`TIME_CAP`] (configurable with [`Explorer::with_time_cap`]); past it the client gets 503
//!   with a one-line JSON error and the worker takes the next request (the computation, bounded
//!   by the limits above, finishes in the background and is dropped).
//! - **Never down.** A bad request is answered and forgotten; a panic while answering (a bug)
//!   becomes a 500 and the worker goes on.
//!
//! The HTTP layer is `tiny_http`: synchronous, small, no async runtime, which fits a server that
//! answers one person's page on two cores.

pub mod api;
mod presets;
mod query;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};
use std::time::Duration;

pub use api::{ApiError, Endpoint, Reply, Site, ENDPOINTS};
pub use presets::{lesson_presets, Preset};

use crate::model::{Model, ModelError};
use crate::scenario::ScenarioError;

/// The longest request target (path and query) answered, in bytes; a longer one gets 414.
/// Regimens the page builds are under 200 bytes; a year of phases typed out fits easily.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

/// Threads answering requests. Each runs at most one simulation at a time, so at most this many
/// run at once (the page asks for a chart and a summary together; two cores).
pub const WORKERS: usize = 4;

/// The longest the explorer waits for one answer before it replies 503. The largest run the
/// limits allow takes under a second in a release build; a debug build is several times slower.
pub const TIME_CAP: Duration = Duration::from_secs(10);

/// The address the explorer listens on: this machine only.
pub const LOCALHOST: &str = "127.0.0.1";

/// What can stop the explorer from starting.
#[derive(Debug, thiserror::Error)]
pub enum ExplorerError {
    /// The port is taken or not allowed.
    #[error("cannot listen on {LOCALHOST}:{port}: {reason}; choose another port, e.g. --port 8081 (or --port 0 for any free port)")]
    Bind {
        /// The port asked for.
        port: u16,
        /// The system's reason.
        reason: String,
    },
    /// The built-in model is invalid (a bug).
    #[error("the built-in model is invalid (a bug): {0}")]
    Model(#[from] ModelError),
    /// An embedded lesson scenario is invalid (a bug).
    #[error("an embedded lesson scenario is invalid (a bug): {0}")]
    Preset(#[from] ScenarioError),
    /// The presets or options could not be written as JSON (a bug).
    #[error("the explorer's start-up data could not be written as JSON (a bug): {0}")]
    Json(#[from] serde_json::Error),
    /// No browser could be started for `--open`.
    #[error("cannot open a browser ({command}): {reason}; open {url} yourself")]
    Open {
        /// The command tried.
        command: String,
        /// Why it failed.
        reason: String,
        /// The page's address.
        url: String,
    },
}

/// A bound, not yet serving, explorer.
pub struct Explorer {
    server: Arc<tiny_http::Server>,
    site: Arc<Site>,
    port: u16,
    time_cap: Duration,
}

impl Explorer {
    /// Listens on 127.0.0.1:`port` (0: any free port) with the built-in model and the lesson
    /// presets. Nothing is answered until [`Explorer::run`].
    pub fn bind(port: u16) -> Result<Explorer, ExplorerError> {
        let model = Model::default_heroin()?;
        let site = Site::new(model, &lesson_presets()?)?;
        let server =
            tiny_http::Server::http((LOCALHOST, port)).map_err(|e| ExplorerError::Bind {
                port,
                reason: e.to_string(),
            })?;
        let port = server
            .server_addr()
            .to_ip()
            .map_or(port, |addr| addr.port());
        Ok(Explorer {
            server: Arc::new(server),
            site: Arc::new(site),
            port,
            time_cap: TIME_CAP,
        })
    }

    /// The same explorer with another time cap per answer (see [`TIME_CAP`]).
    pub fn with_time_cap(self, time_cap: Duration) -> Explorer {
        Explorer { time_cap, ..self }
    }

    /// The port it listens on (the one chosen when 0 was asked for).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The page's address, e.g. `http://127.0.0.1:8080/`.
    pub fn url(&self) -> String {
        format!("http://{LOCALHOST}:{}/", self.port)
    }

    /// Answers requests until the process ends, on [`WORKERS`] threads.
    pub fn run(self) {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let server = Arc::clone(&self.server);
                let site = Arc::clone(&self.site);
                let (port, cap) = (self.port, self.time_cap);
                std::thread::spawn(move || serve_requests(&server, &site, port, cap))
            })
            .collect();
        for worker in workers {
            let _ = worker.join();
        }
    }
}

/// One worker's loop: take a request, answer it, repeat.
fn serve_requests(server: &tiny_http::Server, site: &Arc<Site>, port: u16, time_cap: Duration) {
    loop {
        let request = match server.recv() {
            Ok(request) => request,
            // A connection that failed before it made a request; nothing to answer.
            Err(_) => continue,
        };
        let reply = reply_to(&request, site, port, time_cap);
        let mut response =
            tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
        for (name, value) in [
            ("Content-Type", reply.content_type),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            (
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'",
            ),
        ] {
            // Constant ASCII names and values: never refused.
            if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        // The client may have gone; there is nobody to tell.
        let _ = request.respond(response);
    }
}

/// The reply to one request, whatever it holds.
fn reply_to(
    request: &tiny_http::Request,
    site: &Arc<Site>,
    port: u16,
    time_cap: Duration,
) -> Reply {
    let target = request.url();
    if target.len() > MAX_TARGET_BYTES {
        return ApiError::with_status(
            414,
            format!(
                "the request is {} bytes long, more than the explorer's limit of \
                 {MAX_TARGET_BYTES}; shorten the regimen",
                target.len()
            ),
        )
        .reply();
    }
    if !host_is_local(request, port) {
        return ApiError::with_status(
            403,
            format!(
                "the explorer answers only requests for {LOCALHOST}:{port} or localhost:{port}"
            ),
        )
        .reply();
    }
    let method = request.method().as_str().to_string();
    let (target, site) = (target.to_string(), Arc::clone(site));
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let reply = catch_unwind(AssertUnwindSafe(|| site.answer(&method, &target)))
            .unwrap_or_else(|_| {
                ApiError::with_status(
                    500,
                    "internal error (a bug, please report it with the request)".into(),
                )
                .reply()
            });
        // The worker may have stopped waiting (the time cap); then nobody needs the reply.
        let _ = send.send(reply);
    });
    receive.recv_timeout(time_cap).unwrap_or_else(|_| {
        ApiError::with_status(
            503,
            format!(
                "the answer took longer than the explorer's limit of {} s; try a shorter \
                 regimen or observation window",
                time_cap.as_secs_f64()
            ),
        )
        .reply()
    })
}

/// Whether the request's `Host` header (if any) names this machine and port.
fn host_is_local(request: &tiny_http::Request, port: u16) -> bool {
    let host = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_ascii_lowercase());
    match host {
        None => true,
        Some(host) => [LOCALHOST, "localhost"]
            .iter()
            .any(|name| host == format!("{name}:{port}") || (port == 80 && host == *name)),
    }
}

/// Opens `url` in the desktop's browser (`xdg-open` on Linux, `open` on macOS, `start` on
/// Windows), without waiting for it.
pub fn open_in_browser(url: &str) -> Result<(), ExplorerError> {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(target_os = "windows") {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| ExplorerError::Open {
            command: program.to_string(),
            reason: e.to_string(),
            url: url.to_string(),
        })
}
