//! The explorer in a real browser: headless Chromium loads the page, a regimen is typed into the
//! text box, the dose control goes from 10 to 20 mg, and the chart and the numbers must change
//! with no error or exception in the console. Screenshots at 1280x720 and at phone width (390 px)
//! are saved as `target/explorer-screenshot.png` and `target/explorer-screenshot-phone.png`.
//!
//! Chromium is driven through the DevTools protocol over a WebSocket (`tungstenite`). Where
//! Chromium is missing the test says so loudly on stderr and passes, unless
//! `OPIOID_SIM_REQUIRE_BROWSER=1` (set by `.ci/run`), which makes a missing browser a failure.
//! The time the dose change took to reach the chart is printed, never asserted: speed is for
//! benchmarks, not tests on a shared machine.

mod explorer_server;

use std::io::{BufRead as _, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// The names Chromium is looked for by, on the `PATH` (Debian's package installs
/// `/usr/bin/chromium`).
const CHROMIUM: &[&str] = &["chromium", "chromium-browser"];

/// How long any one wait in the browser may take before the test fails.
const WAIT: Duration = Duration::from_secs(60);

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| CHROMIUM.iter().map(move |name| dir.join(name)))
        .find(|p| p.is_file())
}

#[test]
fn the_page_updates_in_a_real_browser() {
    let Some(browser) = chromium() else {
        let required = std::env::var("OPIOID_SIM_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "OPIOID_SIM_REQUIRE_BROWSER=1 but Chromium is not installed (looked for {CHROMIUM:?} on the PATH); \
             install it with: apt-get install -y chromium"
        );
        loud(&format!(
            "\n\
             ************************************************************\n\
             ** BROWSER TEST DID NOT RUN: chromium not found\n\
             ** looked for {CHROMIUM:?} on the PATH;\n\
             ** install it (apt-get install -y chromium) to run this test.\n\
             ** CI sets OPIOID_SIM_REQUIRE_BROWSER=1, which fails instead.\n\
             ************************************************************\n"
        ));
        return;
    };
    let port = explorer_server::start();
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-browser-profile");
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).expect("a fresh browser profile folder");
    let mut chrome = Browser::launch(&browser, &profile);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        drive(&chrome.devtools_page(), port)
    }));
    chrome.stop();
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Writes a line to the process's standard error directly, past the test harness's capture
/// (which holds `eprintln!` of a passing test), so that `cargo test` shows it.
fn loud(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// The steps a student takes, checked.
fn drive(page_ws: &str, port: u16) {
    let mut cdp = Cdp::connect(page_ws);
    cdp.call("Runtime.enable", json!({}));
    cdp.call("Log.enable", json!({}));
    cdp.call("Page.enable", json!({}));
    set_viewport(&mut cdp, 1280, 720, false);
    cdp.call(
        "Page.navigate",
        json!({ "url": format!("http://127.0.0.1:{port}/") }),
    );
    cdp.wait_for("document.body && document.body.dataset.updates === '1'");
    let first = state(&mut cdp);
    assert_eq!(
        first["regimen"], "10mg iv q8h x 14d",
        "the page starts from its controls"
    );

    // Every control is labelled.
    let unlabelled = cdp.eval(
        "[...document.querySelectorAll('input, select, textarea')]\
         .filter(e => e.labels.length === 0).map(e => e.id)",
    );
    assert_eq!(unlabelled, json!([]), "controls without a label");

    // The keyboard reaches the controls in reading order.
    cdp.eval("document.activeElement && document.activeElement.blur()");
    let mut focused = Vec::new();
    for _ in 0..4 {
        for kind in ["keyDown", "keyUp"] {
            cdp.call(
                "Input.dispatchKeyEvent",
                json!({ "type": kind, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9 }),
            );
        }
        focused.push(cdp.eval("document.activeElement.id"));
    }
    assert_eq!(focused, ["preset", "drug", "route", "dose"], "Tab order");

    // Type a regimen into the text box.
    cdp.eval("(() => { const r = document.getElementById('regimen'); r.focus(); r.select(); })()");
    cdp.call("Input.insertText", json!({ "text": "10mg iv q6h x 10d" }));
    cdp.wait_for("document.body.dataset.updates === '2'");
    let typed = state(&mut cdp);
    assert_eq!(typed["url"], "?regimen=10mg+iv+q6h+x+10d&observe=10d");
    assert_eq!(typed["dose"], "10", "the controls follow the typed regimen");
    assert_eq!(typed["interval"], "6");
    assert_ne!(typed["numbers"], first["numbers"]);
    assert_ne!(typed["chart"], first["chart"]);

    // Change a control: the dose from 10 to 20 mg.
    cdp.eval("(() => { const d = document.getElementById('dose'); d.focus(); d.select(); })()");
    let started = Instant::now();
    cdp.call("Input.insertText", json!({ "text": "20" }));
    cdp.wait_for("document.body.dataset.updates === '3'");
    let waited = started.elapsed();
    let dosed = state(&mut cdp);
    assert_eq!(dosed["regimen"], "20mg iv q6h x 10d");
    assert_ne!(
        dosed["numbers"], typed["numbers"],
        "the numbers change with the dose"
    );
    assert_ne!(
        dosed["chart"], typed["chart"],
        "the chart changes with the dose"
    );
    loud(&format!(
        "dose 10 -> 20 mg: chart and numbers updated {:.0} ms after the key (page's own measure, \
         including its {} ms debounce: {} ms; {} build)",
        waited.as_secs_f64() * 1e3,
        60,
        dosed["lastUpdateMs"].as_str().unwrap_or("?"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    ));

    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    cdp.screenshot(&target.join("explorer-screenshot.png"));

    // A lesson preset: the text box, the window and the controls follow it.
    choose_preset(&mut cdp, "taper", "4");
    let taper = state(&mut cdp);
    assert_eq!(
        taper["regimen"],
        "10mg iv q8h x 14d then taper 8mg iv q8h over 7d to 1mg"
    );
    assert_eq!(taper["observe"], "12d");
    assert_eq!(taper["after"], "taper");
    assert_eq!(taper["controlsNote"], true, "the controls can show a taper");
    assert_ne!(taper["chart"], dosed["chart"]);
    choose_preset(&mut cdp, "naloxone-after-two-weeks", "5");
    let naloxone = state(&mut cdp);
    assert_eq!(
        naloxone["controlsNote"], false,
        "the page says when the controls cannot show a regimen"
    );
    assert!(naloxone["numbers"]
        .as_str()
        .is_some_and(|n| n.contains("Precipitated withdrawal")));

    // Nothing went wrong in the page.
    cdp.drain();
    let problems = cdp.console_problems();
    assert!(problems.is_empty(), "console errors: {problems:#?}");

    // Phone width: one column, nothing wider than the screen.
    set_viewport(&mut cdp, 390, 844, true);
    let overflow = cdp.eval("document.documentElement.scrollWidth");
    assert!(
        overflow.as_f64().is_some_and(|w| w <= 390.0),
        "the page is {overflow} px wide on a 390 px screen"
    );
    cdp.screenshot_full_page(&target.join("explorer-screenshot-phone.png"));
    set_viewport(&mut cdp, 1280, 720, false);

    // A shared link: the page reads the regimen and the window from its address.
    cdp.call(
        "Page.navigate",
        json!({ "url": format!(
            "http://127.0.0.1:{port}/?regimen=10mg+iv+q8h+x+14d+then+wait+21d+then+10mg+iv&observe=2d"
        ) }),
    );
    cdp.wait_for("document.body && document.body.dataset.updates === '1'");
    let shared = state(&mut cdp);
    assert_eq!(
        shared["regimen"],
        "10mg iv q8h x 14d then wait 21d then 10mg iv"
    );
    assert_eq!(shared["observe"], "2d");
    assert_eq!(shared["after"], "relapse", "the controls read the link too");
    assert_eq!(
        cdp.eval("document.getElementById('preset').value"),
        "relapse-after-abstinence",
        "a link to a lesson scenario selects its preset"
    );

    // A mistake in the text box: the CLI's message, inline, and the chart kept.
    cdp.eval("(() => { const r = document.getElementById('regimen'); r.focus(); r.select(); })()");
    cdp.call("Input.insertText", json!({ "text": "10mg ivv q8h x 14d" }));
    cdp.wait_for("!document.getElementById('regimen-error').hidden");
    let error = cdp.eval("document.getElementById('regimen-error').textContent");
    let error = error.as_str().unwrap_or_default();
    assert!(
        error.contains("at column 6 (\"ivv\"): unknown route 'ivv'")
            && error.contains("did you mean iv?"),
        "inline error: {error}"
    );
    assert_eq!(
        cdp.eval("document.getElementById('regimen').getAttribute('aria-invalid')"),
        "true"
    );
    cdp.drain();
    let problems: Vec<_> = cdp
        .console_problems()
        .into_iter()
        .filter(|p| !(p.contains("status of 400") && p.contains("/api/")))
        .collect();
    assert!(
        problems.is_empty(),
        "console errors beyond the expected 400: {problems:#?}"
    );
}

/// What the test compares before and after a change: the regimen, the numbers, a fingerprint
/// of the chart's pixels as shown, the address bar and two controls.
fn state(cdp: &mut Cdp) -> Value {
    cdp.eval_async(
        "(async () => {
            const img = document.getElementById('chart');
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            const context = canvas.getContext('2d');
            context.drawImage(img, 0, 0);
            const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
            let hash = 0, ink = 0;
            for (let i = 0; i < pixels.length; i += 4) {
                hash = (hash * 31 + pixels[i] + 7 * pixels[i + 1] + 13 * pixels[i + 2]) | 0;
                if (pixels[i] + pixels[i + 1] + pixels[i + 2] < 600) ink++;
            }
            return {
                regimen: document.getElementById('regimen').value,
                numbers: document.getElementById('numbers').innerText,
                chart: `${img.naturalWidth}x${img.naturalHeight} ink ${ink} hash ${hash}`,
                url: location.search,
                dose: document.getElementById('dose').value,
                interval: document.getElementById('interval').value,
                after: document.getElementById('after').value,
                observe: document.getElementById('observe').value,
                controlsNote: document.getElementById('controls-note').hidden,
                lastUpdateMs: document.body.dataset.lastUpdateMs,
            };
        })()",
    )
}

/// Chooses a lesson preset as a keyboard or a mouse would (the select's `change` event), and
/// waits for the page's `updates` count to reach `updates`.
fn choose_preset(cdp: &mut Cdp, name: &str, updates: &str) {
    cdp.eval(&format!(
        "(() => {{ const p = document.getElementById('preset'); p.focus(); p.value = '{name}'; \
         p.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()"
    ));
    cdp.wait_for(&format!("document.body.dataset.updates === '{updates}'"));
}

fn set_viewport(cdp: &mut Cdp, width: u32, height: u32, mobile: bool) {
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
    );
}

/// A Chromium process started by this test, with its own profile folder.
struct Browser {
    child: Child,
    devtools: String,
}

impl Browser {
    fn launch(program: &Path, profile: &Path) -> Browser {
        let mut child = Command::new(program)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
                "--window-size=1280,720",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Chromium starts");
        // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID".
        let stderr = child.stderr.take().expect("Chromium's stderr is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("ws://") {
                    let _ = tx.send(line[at..].trim().to_string());
                }
            }
        });
        let devtools = match rx.recv_timeout(WAIT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Chromium did not print its DevTools address within {WAIT:?}");
            }
        };
        Browser { child, devtools }
    }

    /// The WebSocket address of a new page (tab) in the browser.
    fn devtools_page(&self) -> String {
        let mut browser = Cdp::connect(&self.devtools);
        let created = browser.call("Target.createTarget", json!({ "url": "about:blank" }));
        let id = created["targetId"].as_str().expect("a target id");
        let authority = self
            .devtools
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap_or_default();
        format!("ws://{authority}/devtools/page/{id}")
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal DevTools protocol client: numbered calls, and the events that arrive meanwhile.
struct Cdp {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    events: Vec<Value>,
}

impl Cdp {
    fn connect(url: &str) -> Cdp {
        let authority = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("a ws:// address");
        let stream = TcpStream::connect(authority).expect("DevTools accepts a connection");
        stream.set_read_timeout(Some(WAIT)).expect("a read timeout");
        let (socket, _) = tungstenite::client(url, stream).expect("the WebSocket handshake");
        // From now on a read gives up after a moment, so that waiting loops can check the time.
        socket
            .get_ref()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("a read timeout");
        Cdp {
            socket,
            next_id: 0,
            events: Vec::new(),
        }
    }

    /// Reads one message if one arrives within the read timeout.
    fn read(&mut self) -> Option<Value> {
        match self.socket.read() {
            Ok(Message::Text(text)) => serde_json::from_str(text.as_str()).ok(),
            Ok(_) => None,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("the DevTools connection failed: {e}"),
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket
            .send(Message::Text(message.into()))
            .expect("a DevTools call is sent");
        let deadline = Instant::now() + WAIT;
        loop {
            assert!(
                Instant::now() < deadline,
                "{method}: no answer within {WAIT:?}"
            );
            let Some(v) = self.read() else { continue };
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {}", v["error"]);
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    /// The value of a JavaScript expression.
    fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{expression}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// The value a JavaScript promise resolves to.
    fn eval_async(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{expression}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// Waits until a JavaScript condition holds, by a promise in the page (no polling from here).
    fn wait_for(&mut self, condition: &str) {
        let script = format!(
            "new Promise((resolve, reject) => {{
                const check = () => {{ try {{ return !!({condition}); }} catch (_) {{ return false; }} }};
                if (check()) return resolve(true);
                const timer = setTimeout(() => {{ observer.disconnect(); resolve(false); }}, {});
                const observer = new MutationObserver(() => {{
                    if (check()) {{ clearTimeout(timer); observer.disconnect(); resolve(true); }}
                }});
                observer.observe(document, {{ subtree: true, childList: true, attributes: true }});
            }})",
            WAIT.as_millis()
        );
        let met = self.eval_async(&script);
        let details = self.console_problems();
        assert_eq!(
            met,
            json!(true),
            "waited {WAIT:?} for {condition}; console: {details:#?}"
        );
    }

    /// Reads the events that have arrived.
    fn drain(&mut self) {
        let until = Instant::now() + Duration::from_millis(300);
        while Instant::now() < until {
            if let Some(v) = self.read() {
                self.events.push(v);
            }
        }
    }

    /// Exceptions, `console.error` calls and error log entries seen so far.
    fn console_problems(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str()? {
                "Runtime.exceptionThrown" => {
                    Some(format!("exception: {}", e["params"]["exceptionDetails"]))
                }
                "Runtime.consoleAPICalled" if e["params"]["type"] == "error" => {
                    Some(format!("console.error: {}", e["params"]["args"]))
                }
                "Log.entryAdded" if e["params"]["entry"]["level"] == "error" => Some(format!(
                    "log: {} {}",
                    e["params"]["entry"]["text"], e["params"]["entry"]["url"]
                )),
                _ => None,
            })
            .collect()
    }

    fn screenshot(&mut self, path: &Path) {
        self.save_screenshot(path, json!({ "format": "png" }));
    }

    /// The whole page, also what is below the window.
    fn screenshot_full_page(&mut self, path: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        self.save_screenshot(
            path,
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1 },
            }),
        );
    }

    fn save_screenshot(&mut self, path: &Path, params: Value) {
        let shot = self.call("Page.captureScreenshot", params);
        let data = shot["data"].as_str().expect("screenshot data");
        std::fs::write(path, base64_decode(data)).expect("the screenshot is written");
        loud(&format!("screenshot: {}", path.display()));
    }
}

/// Standard base64 (with padding) to bytes.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}
