//! The explorer's API: the same numbers, series and charts as the command line, the CLI's
//! one-line error with HTTP 400 for bad input, its limits, and a server that keeps serving.
//!
//! Endpoints are called two ways: as a function ([`Site::answer`], no sockets) for the many
//! input cases, and over HTTP on a real server for what only a server can show (request size,
//! malformed requests, 1,000 bad requests in a row).

mod common;
mod explorer_server;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use explorer_server::{encode, get, parse, send_raw, start};
use opioid_sim::explorer::{lesson_presets, Reply, Site, ENDPOINTS, MAX_TARGET_BYTES};
use opioid_sim::model::Model;

fn site() -> Site {
    Site::new(
        Model::default_heroin().expect("the built-in model"),
        &lesson_presets().expect("the embedded presets"),
    )
    .expect("the site builds")
}

fn answer(site: &Site, target: &str) -> Reply {
    site.answer("GET", target)
}

fn error_of(reply: &Reply) -> String {
    let v: serde_json::Value = serde_json::from_slice(&reply.body).expect("an error body is JSON");
    v["error"]
        .as_str()
        .expect("an \"error\" string")
        .to_string()
}

/// Runs the CLI and returns its standard output, or its error line without `error: `.
fn cli(args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
        .args(args)
        .output()
        .expect("the binary runs");
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(err.strip_prefix("error: ").unwrap_or(&err).to_string())
    }
}

fn query(regimen: &str, rest: &str) -> String {
    format!("regimen={}{rest}", encode(regimen))
}

#[test]
fn summary_is_byte_for_byte_the_cli_summary_json() {
    let site = site();
    for (regimen, observe) in [
        ("10mg iv q8h x 14d", None),
        ("10mg iv", Some("2d")),
        ("60mg methadone oral q24h x 28d", Some("30d")),
        (
            "10mg iv q8h x 14d then 10mg iv then wait 6h then 0.4mg naloxone iv",
            Some("12d"),
        ),
    ] {
        let rest = observe.map_or_else(String::new, |o| format!("&observe={o}"));
        let reply = answer(&site, &format!("/api/summary?{}", query(regimen, &rest)));
        assert_eq!(reply.status, 200, "{regimen}: {}", reply.text());
        assert!(reply.content_type.starts_with("application/json"));
        let mut args = vec!["summary", "--json", "--regimen", regimen];
        if let Some(o) = observe {
            args.extend(["--observe", o]);
        }
        let expected = cli(&args).expect("the CLI summarizes");
        assert_eq!(
            reply.text(),
            String::from_utf8_lossy(&expected),
            "{regimen}"
        );
    }
}

#[test]
fn summary_numbers_equal_the_library_summary() {
    let site = site();
    let model = Model::default_heroin().expect("the built-in model");
    let regimen = "20mg smoked q6h x 7d then 10mg smoked q8h x 3d";
    let expected = opioid_sim::simulation::summarize(
        &model,
        &regimen.parse().expect("a valid regimen"),
        12.0 * 24.0,
    )
    .expect("it simulates");
    let reply = answer(
        &site,
        &format!("/api/summary?{}", query(regimen, "&observe=12d")),
    );
    // Compared as text: parsing the JSON back may move a number by one unit in the last place.
    assert_eq!(
        reply.text(),
        format!(
            "{}\n",
            serde_json::to_string_pretty(&expected).expect("a summary is JSON")
        )
    );
}

#[test]
fn simulate_json_and_csv_are_the_cli_output() {
    let site = site();
    let regimen = "10mg iv q8h x 2d";
    let json = answer(
        &site,
        &format!("/api/simulate?{}", query(regimen, "&observe=1d&dt=15min")),
    );
    assert_eq!(json.status, 200, "{}", json.text());
    let expected = cli(&[
        "simulate",
        "--regimen",
        regimen,
        "--observe",
        "1d",
        "--dt",
        "15min",
        "--format",
        "json",
    ])
    .expect("the CLI simulates");
    assert_eq!(json.body, expected);

    let csv = answer(&site, &format!("/api/simulate.csv?{}", query(regimen, "")));
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    let expected = cli(&["simulate", "--regimen", regimen]).expect("the CLI simulates");
    assert_eq!(
        csv.body, expected,
        "the default window and grid are the CLI's"
    );
}

#[test]
fn the_charts_are_the_charts_plot_draws() {
    let site = site();
    let dir = common::scratch("charts");
    let regimen = "10mg iv q8h x 3d then wait 2d then 10mg iv";
    let svg_path = dir.join("plot.svg");
    let png_path = dir.join("plot.png");
    for path in [&svg_path, &png_path] {
        cli(&[
            "plot",
            "--regimen",
            regimen,
            "--observe",
            "3d",
            "--out",
            path.to_str().expect("a UTF-8 path"),
        ])
        .expect("the CLI plots");
    }
    let svg = answer(
        &site,
        &format!("/api/chart.svg?{}", query(regimen, "&observe=3d")),
    );
    assert_eq!(svg.status, 200, "{}", svg.text());
    assert_eq!(svg.content_type, "image/svg+xml");
    assert_eq!(svg.body, std::fs::read(&svg_path).expect("the CLI's SVG"));

    let png = answer(
        &site,
        &format!("/api/chart.png?{}", query(regimen, "&observe=3d")),
    );
    assert_eq!(png.status, 200);
    assert_eq!(png.content_type, "image/png");
    assert_eq!(
        pixels(&png.body),
        pixels(&std::fs::read(&png_path).expect("the CLI's PNG")),
        "the same picture as `plot --out x.png`"
    );
}

/// Width, height and RGB pixels of a PNG.
fn pixels(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    buf.truncate(info.buffer_size());
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height, buf)
}

/// Bad regimens: HTTP 400 and exactly the CLI's one-line message.
#[test]
fn a_bad_regimen_is_400_with_the_cli_message() {
    let site = site();
    for regimen in [
        "10kg iv",
        "10mg ivv",
        "10mg iv q8 x 14d",
        "10mg cocaine iv",
        "10mg morphine smoked",
        "1500mg iv",
        "10mg iv q8h x 400d",
        "10mg iv q1min x 30d",
        "",
        "10mg iv then",
        "10mg iv; rm -rf /",
    ] {
        let reply = answer(&site, &format!("/api/summary?{}", query(regimen, "")));
        assert_eq!(reply.status, 400, "{regimen:?}: {}", reply.text());
        let message = error_of(&reply);
        let cli_message = cli(&["summary", "--regimen", regimen]).expect_err("the CLI refuses");
        assert!(
            cli_message.ends_with(&message) && !message.is_empty(),
            "{regimen:?}: the API says {message:?}, the CLI {cli_message:?}"
        );
        assert!(!message.contains('\n'), "one line: {message}");
        // Every endpoint that simulates says the same.
        for path in [
            "/api/simulate",
            "/api/simulate.csv",
            "/api/chart.svg",
            "/api/chart.png",
        ] {
            let other = answer(&site, &format!("{path}?{}", query(regimen, "")));
            assert_eq!(other.status, 400, "{path} {regimen:?}");
            assert_eq!(error_of(&other), message, "{path} {regimen:?}");
        }
    }
    let reply = answer(&site, "/api/summary?regimen=10kg%20iv");
    assert_eq!(
        error_of(&reply),
        "at column 3 (\"kg\"): 'kg' is not a mass unit; expected mg, ug, µg or mcg; e.g. 10mg or 500ug"
    );
}

/// Other bad input: each is 400 (or 404/405) with a message that names the parameter and says
/// what to do.
#[test]
fn bad_parameters_are_named_in_the_error() {
    let site = site();
    let check = |target: &str, status: u16, fragments: &[&str]| {
        let reply = answer(&site, target);
        assert_eq!(reply.status, status, "{target}: {}", reply.text());
        let message = error_of(&reply);
        for f in fragments {
            assert!(message.contains(f), "{target}: {message:?} lacks {f:?}");
        }
    };
    check("/api/summary", 400, &["regimen: missing", "e.g."]);
    check("/api/summary?observe=2d", 400, &["regimen: missing"]);
    check(
        "/api/summary?regimen=10mg%20iv&observe=2x",
        400,
        &["observe: at column 2", "time unit"],
    );
    check(
        "/api/summary?regimen=10mg%20iv&observe=400d",
        400,
        &["observe: 400 d is not allowed; expected a duration from 0 to 365 days"],
    );
    check(
        "/api/chart.svg?regimen=10mg%20iv&observe=0h",
        400,
        &["observe", "longer than 0 h"],
    );
    check(
        "/api/simulate?regimen=10mg%20iv%20q8h%20x%20365d&observe=365d&dt=1min",
        400,
        &["dt:", "rows", "limit of 250000", "e.g. dt=1h"],
    );
    check(
        "/api/simulate?regimen=10mg%20iv&dt=0min",
        400,
        &["dt:", "larger dt"],
    );
    check(
        "/api/chart.png?regimen=10mg%20iv&size=8000x8000",
        400,
        &["size:", "at most", "size=print"],
    );
    check(
        "/api/chart.svg?regimen=10mg%20iv&size=huge",
        400,
        &["size:", "unknown size \"huge\""],
    );
    check(
        "/api/summary?regimen=10mg%20iv&dt=1h",
        400,
        &["unknown parameter \"dt\"", "regimen, observe"],
    );
    check(
        "/api/summary?regimen=10mg%20iv&regimen=20mg%20iv",
        400,
        &["\"regimen\" is given more than once"],
    );
    check("/api/summary?regimen=10%zzmg", 400, &["two hex digits"]);
    check(
        "/api/presets?x=1",
        400,
        &["unknown parameter \"x\"", "no parameters"],
    );
    check("/etc/passwd", 404, &["no such page", "/api/summary"]);
    check("/../../etc/passwd", 404, &["no such page"]);
    check("/api/chart.svg/../../Cargo.toml", 404, &["no such page"]);
    let post = site.answer("POST", "/api/summary?regimen=10mg%20iv");
    assert_eq!(post.status, 405);
    assert!(error_of(&post).contains("GET requests only"));
}

/// Inputs meant to break a parser: every answer is an answer (no panic), JSON for the API.
#[test]
fn odd_targets_get_answers_not_panics() {
    let site = site();
    let long_phases = vec!["10mg iv"; 700].join(" then ");
    let targets = [
        "",
        "?",
        "/?&&&",
        "/api/summary?&&&=&=",
        "/api/summary?=10mg",
        "/api/summary?regimen",
        "/api/summary?regimen=%",
        "/api/summary?regimen=%00%01%02",
        "/api/summary?regimen=%F0%9F%92%8A",
        "/api/summary?regimen=1e400mg%20iv",
        "/api/summary?regimen=.%20mg%20iv",
        "/api/summary?regimen=10mg%20iv%20q8h%20x%2099999999999999999999",
        "/api/summary?regimen=10mg%20iv&observe=99999999999999999999d",
        "/api/simulate?regimen=10mg%20iv&dt=0.0000001min",
        &format!("/api/summary?regimen={}", encode(&long_phases)),
        &format!("/api/summary?regimen={}", "a".repeat(MAX_TARGET_BYTES)),
    ];
    for target in targets {
        let reply = answer(&site, target);
        assert!(
            (200..500).contains(&reply.status),
            "{}: {}",
            &target[..target.len().min(80)],
            reply.status
        );
        if reply.status >= 400 {
            assert!(!error_of(&reply).is_empty());
        }
    }
}

#[test]
fn every_lesson_scenario_is_a_preset_that_runs() {
    let site = site();
    let presets: serde_json::Value =
        serde_json::from_slice(&answer(&site, "/api/presets").body).expect("JSON presets");
    let presets = presets.as_array().expect("a list of presets");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/scenarios");
    let files = common::files_in(&dir);
    // Scenarios that offer doses run only as cohorts and are not presets.
    let one_person = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(dir.join(f)).expect("scenario");
            !text.lines().any(|l| l.starts_with("offered"))
        })
        .count();
    assert_eq!(
        presets.len(),
        one_person,
        "one preset per one-person scenario file"
    );
    for p in presets {
        let name = p["name"].as_str().expect("a name");
        assert!(files.contains(&format!("{name}.toml")), "{name}");
        let target = format!(
            "/api/summary?regimen={}&observe={}",
            encode(p["regimen"].as_str().expect("a regimen")),
            encode(p["observe"].as_str().expect("a window"))
        );
        let reply = answer(&site, &target);
        assert_eq!(reply.status, 200, "{name}: {}", reply.text());
        // The same numbers as the CLI on the scenario file.
        let file = dir.join(format!("{name}.toml"));
        let expected = cli(&[
            "summary",
            "--json",
            "--scenario",
            file.to_str().expect("a UTF-8 path"),
        ])
        .expect("the CLI runs the scenario");
        assert_eq!(reply.body, expected, "{name}");
    }
}

#[test]
fn the_page_is_served_whole_from_memory_with_the_disclaimer() {
    let site = site();
    let page = answer(&site, "/");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let html = page.text();
    assert!(html.contains(opioid_sim::report::DISCLAIMER));
    assert!(!html.contains("{{"), "every placeholder is filled");
    let shared = answer(&site, "/?regimen=10mg+iv+q8h+x+14d&observe=12d");
    assert_eq!(shared.status, 200, "a shared link opens the page");
    assert_eq!(shared.body, page.body);
    for (path, kind) in [
        ("/explorer.js", "text/javascript"),
        ("/explorer.css", "text/css"),
    ] {
        let reply = answer(&site, path);
        assert_eq!(reply.status, 200, "{path}");
        assert!(reply.content_type.starts_with(kind), "{path}");
        assert!(
            html.contains(&format!("\"{path}\"")),
            "the page loads {path}"
        );
    }
    // Nothing from the network: no absolute address in the page or its files.
    for path in ["/", "/explorer.js", "/explorer.css"] {
        let text = answer(&site, path).text();
        for scheme in ["http:", "https:", "src=\"//", "href=\"//"] {
            assert!(!text.contains(scheme), "{path} names {scheme}");
        }
    }
    let options: serde_json::Value =
        serde_json::from_slice(&answer(&site, "/api/options").body).expect("JSON options");
    assert_eq!(options["drugs"][0]["name"], "heroin");
    assert_eq!(options["default_observe"], "10d");
    let index: serde_json::Value =
        serde_json::from_slice(&answer(&site, "/api").body).expect("JSON endpoint list");
    assert_eq!(
        index.as_array().map(Vec::len),
        Some(ENDPOINTS.len()),
        "/api lists every endpoint"
    );
}

#[test]
fn the_readme_documents_every_endpoint() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    for e in ENDPOINTS {
        assert!(readme.contains(e.path), "README.md lacks {}", e.path);
        for p in e.params {
            assert!(readme.contains(&format!("`{p}`")), "README.md lacks `{p}`");
        }
    }
}

// ---- Over HTTP, on a real server ----

#[test]
fn over_http_good_and_bad_requests() {
    let port = start();
    let good = get(
        port,
        &format!("/api/summary?{}", query("10mg iv q8h x 14d", "")),
    );
    assert_eq!(good.status, 200, "{}", good.text());
    assert_eq!(
        good.body,
        cli(&["summary", "--json", "--regimen", "10mg iv q8h x 14d"]).expect("the CLI runs")
    );
    assert!(good.head.contains("Content-Type: application/json"));
    let bad = get(port, "/api/summary?regimen=10kg%20iv");
    assert_eq!(bad.status, 400);
    assert!(bad.error().starts_with("at column 3 (\"kg\")"));
    // Another site cannot use the server (DNS rebinding).
    let foreign = parse(
        &send_raw(
            port,
            b"GET /api/presets HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n",
        )
        .expect("an answer"),
    );
    assert_eq!(foreign.status, 403);
    let local = parse(
        &send_raw(
            port,
            format!(
                "GET /api/presets HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .expect("an answer"),
    );
    assert_eq!(local.status, 200);
}

#[test]
fn a_one_megabyte_query_is_refused() {
    let port = start();
    let started = Instant::now();
    let answer = get(
        port,
        &format!("/api/summary?regimen={}", "a".repeat(1 << 20)),
    );
    eprintln!(
        "a 1 MB query was answered {} in {:.1} ms",
        answer.status,
        started.elapsed().as_secs_f64() * 1e3
    );
    assert!(
        answer.status == 414 || answer.status == 400,
        "{}",
        answer.status
    );
    assert!(answer.error().contains("limit of 8192"));
}

#[test]
fn the_server_keeps_serving_after_a_thousand_bad_requests() {
    let port = start();
    let bad: Vec<Vec<u8>> = vec![
        format!("GET /api/summary?regimen=10kg%20iv HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").into_bytes(),
        b"GET /api/nothing HTTP/1.1\r\nConnection: close\r\n\r\n".to_vec(),
        b"POST /api/summary HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".to_vec(),
        b"GARBAGE\r\n\r\n".to_vec(),
        b"\x00\xff\xfe\r\n\r\n".to_vec(),
        b"GET /api/summary?regimen=%zz HTTP/1.1\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /api/summary?regimen=10mg%20iv HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /api/summary?regimen=10mg%20iv HTTP/1.1\r\n".to_vec(), // cut off, then closed
    ];
    for i in 0..1000 {
        // Whatever the server answers (or whether it closes at once), it must not go down.
        let _ = send_raw(port, &bad[i % bad.len()]);
    }
    let good = get(port, "/api/summary?regimen=10mg%20iv&observe=1d");
    assert_eq!(good.status, 200, "{}", good.text());
    let v: serde_json::Value = serde_json::from_slice(&good.body).expect("JSON");
    assert_eq!(v["doses"], 1);
}

// ---- The `serve` command ----

/// A `serve` process started by a test; killed (by its own id) when dropped.
struct ServeProcess(std::process::Child);

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_prints_its_local_address_and_answers_there() {
    use std::io::BufRead as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let _serve = ServeProcess(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("serve prints a line");
    assert!(
        line.starts_with("opioid-sim explorer: open http://127.0.0.1:")
            && line.contains("this machine only"),
        "{line}"
    );
    let port: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("a port in the address");
    let page = get(port, "/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("opioid-sim explorer"));

    // The same port again: a one-line error and exit code 2.
    let busy = Command::new(env!("CARGO_BIN_EXE_opioid-sim"))
        .args(["serve", "--port", &port.to_string()])
        .output()
        .expect("the binary runs");
    assert_eq!(busy.status.code(), Some(2));
    let err = String::from_utf8_lossy(&busy.stderr);
    assert!(
        err.starts_with(&format!("error: cannot listen on 127.0.0.1:{port}:"))
            && err.contains("choose another port")
            && err.trim_end().lines().count() == 1,
        "{err}"
    );
}

#[test]
fn an_answer_past_the_time_cap_is_503_and_the_server_goes_on() {
    use opioid_sim::explorer::Explorer;
    // A cap no simulation can meet: every answer that needs one times out.
    let explorer = Explorer::bind(0)
        .expect("binds")
        .with_time_cap(std::time::Duration::ZERO);
    let port = explorer.port();
    std::thread::spawn(move || explorer.run());
    for _ in 0..3 {
        let a = get(
            port,
            &format!("/api/summary?{}", query("10mg iv q8h x 14d", "")),
        );
        assert_eq!(a.status, 503, "{}", a.text());
        assert!(a.error().contains("took longer than"), "{}", a.error());
    }
    // The default cap answers the same request.
    let port = start();
    let a = get(
        port,
        &format!("/api/summary?{}", query("10mg iv q8h x 14d", "")),
    );
    assert_eq!(a.status, 200, "{}", a.text());
}
