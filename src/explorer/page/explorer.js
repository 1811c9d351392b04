// The explorer page: controls build a regimen, the server simulates it, the chart and the
// headline numbers show the result. Plain JavaScript, no framework, no build step.
//
// The regimen text box is what is simulated. A control writes the text box from all controls;
// typing in the text box is simulated as typed (the controls follow when the text has the
// form they write). The address bar holds ?regimen=...&observe=... so a link shares the run.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const el = {
    preset: $("preset"), presetDescription: $("preset-description"),
    drug: $("drug"), route: $("route"), dose: $("dose"), interval: $("interval"), days: $("days"),
    after: $("after"), taperFields: $("taper-fields"), taperFrom: $("taper-from"),
    taperDays: $("taper-days"), controlsNote: $("controls-note"),
    taperTo: $("taper-to"), relapseFields: $("relapse-fields"), waitDays: $("wait-days"),
    observe: $("observe"), observeError: $("observe-error"),
    regimen: $("regimen"), regimenError: $("regimen-error"),
    results: $("results"), runTitle: $("run-title"), numbers: $("numbers"), chart: $("chart"),
    status: $("status"), png: $("download-png"), svg: $("download-svg"), csv: $("download-csv"),
    share: $("share"),
  };

  /** Drugs and their routes, from /api/options. */
  let drugs = [];
  /** Lesson presets, from /api/presets. */
  let presets = [];
  /** Number of the latest update started; older answers are dropped. */
  let latest = 0;
  let debounceTimer = 0;
  /** The object URL of the chart shown, and of one still loading. */
  let chartUrl = "";
  let pendingUrl = "";

  const DEBOUNCE_CONTROL_MS = 60;
  const DEBOUNCE_TYPING_MS = 300;

  // ---- Building the regimen from the controls, and reading it back ----

  const num = (input) => String(Number(input.value));

  function drugWord() {
    return el.drug.value === "heroin" ? "" : el.drug.value + " ";
  }

  function regimenFromControls() {
    const dose = `${num(el.dose)}mg ${drugWord()}${el.route.value}`;
    if (el.interval.value === "once") return dose;
    const every = `q${el.interval.value}h`;
    let text = `${dose} ${every} x ${num(el.days)}d`;
    if (el.after.value === "taper") {
      text += ` then taper ${num(el.taperFrom)}mg ${drugWord()}${el.route.value} ${every}` +
        ` over ${num(el.taperDays)}d to ${num(el.taperTo)}mg`;
    } else if (el.after.value === "relapse") {
      text += ` then wait ${num(el.waitDays)}d then ${dose}`;
    }
    return text;
  }

  const NUMBER = "(\\d+(?:\\.\\d+)?)";
  const WORD = "([a-z][a-z0-9_-]*)";
  const CONTROLS_FORM = new RegExp(
    `^${NUMBER}\\s*mg\\s+(?:${WORD}\\s+)?${WORD}` +
    `(?:\\s+q\\s*${NUMBER}\\s*h\\s+x\\s*${NUMBER}\\s*d` +
    `(?:\\s+then\\s+taper\\s+${NUMBER}\\s*mg\\s+(?:[a-z][a-z0-9_-]*\\s+)?[a-z]+\\s+q\\s*${NUMBER}\\s*h` +
    `\\s+over\\s+${NUMBER}\\s*d\\s+to\\s+${NUMBER}\\s*mg` +
    `|\\s+then\\s+wait\\s+${NUMBER}\\s*d\\s+then\\s+${NUMBER}\\s*mg\\s+(?:[a-z][a-z0-9_-]*\\s+)?[a-z]+)?)?$`);

  /** Sets the controls from regimen text when they can show it, and says when they cannot. */
  function followRegimen(text) {
    el.controlsNote.hidden = controlsFromRegimen(text);
  }

  /** Sets the controls from regimen text when it has the form they write; false if not. */
  function controlsFromRegimen(text) {
    const m = CONTROLS_FORM.exec(text.trim().toLowerCase());
    if (!m) return false;
    const [, dose, drugName, route, every, days, taperFrom, taperEvery, taperDays, taperTo,
      waitDays, relapseDose] = m;
    const drug = drugs.find((d) => d.name === (drugName || "heroin"));
    if (!drug || !drug.routes.includes(route)) return false;
    if (every && !hasOption(el.interval, every)) return false;
    if (taperFrom && taperEvery !== every) return false;
    if (relapseDose && relapseDose !== dose) return false;
    el.drug.value = drug.name;
    fillRoutes();
    el.route.value = route;
    el.dose.value = dose;
    el.interval.value = every || "once";
    if (days) el.days.value = days;
    el.after.value = taperDays ? "taper" : waitDays ? "relapse" : "stop";
    if (taperDays) {
      el.taperFrom.value = taperFrom;
      el.taperDays.value = taperDays;
      el.taperTo.value = taperTo;
    }
    if (waitDays) el.waitDays.value = waitDays;
    showAfterFields();
    return true;
  }

  function hasOption(select, value) {
    return Array.from(select.options).some((o) => o.value === value);
  }

  function fillRoutes() {
    const drug = drugs.find((d) => d.name === el.drug.value);
    const previous = el.route.value;
    el.route.replaceChildren(...(drug ? drug.routes : []).map((r) => new Option(r, r)));
    if (drug && drug.routes.includes(previous)) el.route.value = previous;
  }

  function showAfterFields() {
    const repeated = el.interval.value !== "once";
    el.days.disabled = !repeated;
    el.after.disabled = !repeated;
    el.taperFields.hidden = !(repeated && el.after.value === "taper");
    el.relapseFields.hidden = !(repeated && el.after.value === "relapse");
  }

  // ---- Talking to the server ----

  function query() {
    return new URLSearchParams({ regimen: el.regimen.value.trim(), observe: el.observe.value.trim() });
  }

  async function getJson(url) {
    const response = await fetch(url);
    return response.json();
  }

  function schedule(delay, startedAt) {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => update(startedAt), delay);
  }

  /** Simulates the text box's regimen: chart and numbers together, newest request wins. */
  async function update(startedAt) {
    const id = ++latest;
    const params = query();
    el.results.setAttribute("aria-busy", "true");
    let chart, summary;
    try {
      [chart, summary] = await Promise.all([
        fetch(`/api/chart.svg?${params}`),
        fetch(`/api/summary?${params}`),
      ]);
    } catch (e) {
      if (id === latest) {
        el.results.setAttribute("aria-busy", "false");
        showStatus(`The explorer server does not answer (${e.message}); is it still running?`);
      }
      return;
    }
    if (id !== latest) return;
    if (!chart.ok || !summary.ok) {
      const failed = chart.ok ? summary : chart;
      let message = `the server answered ${failed.status}`;
      try { message = (await failed.json()).error; } catch (_) { /* keep the status */ }
      if (id === latest) showError(message);
      return;
    }
    const [svg, numbers] = await Promise.all([chart.blob(), summary.json()]);
    if (id !== latest) return;
    clearErrors();
    const url = URL.createObjectURL(svg);
    // A chart still loading when a newer one arrives is never shown: free it now.
    if (pendingUrl) URL.revokeObjectURL(pendingUrl);
    pendingUrl = url;
    el.chart.onload = () => {
      el.chart.hidden = false;
      if (chartUrl) URL.revokeObjectURL(chartUrl);
      chartUrl = url;
      pendingUrl = "";
      const ms = Math.round(performance.now() - startedAt);
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
      document.body.dataset.lastUpdateMs = String(ms);
      el.results.setAttribute("aria-busy", "false");
      showStatus(`${numbers.doses} dose${numbers.doses === 1 ? "" : "s"}, ` +
        `simulated to ${fmt(numbers.observed_until_h / 24, 1)} days; updated in ${ms} ms.`);
    };
    el.chart.alt = chartDescription(numbers);
    el.chart.src = url;
    showNumbers(numbers);
    const search = `?${params}`;
    history.replaceState(null, "", search);
    el.share.href = search;
    el.png.href = `/api/chart.png?${params}`;
    el.svg.href = `/api/chart.svg?${params}`;
    el.csv.href = `/api/simulate.csv?${params}`;
  }

  // ---- Showing results and errors ----

  const fmt = (x, digits) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));

  function hoursText(h) {
    if (h === null || h === undefined) return "–";
    return h >= 48 ? `${fmt(h, 0)} h (day ${fmt(h / 24, 1)})` : `${fmt(h, 1)} h`;
  }

  function showNumbers(s) {
    el.runTitle.textContent = s.regimen;
    const rows = [
      ["Peak withdrawal after the last dose", `${fmt(s.peak_withdrawal_score, 1)} / 48`, s.withdrawal_band.replace("_", " ")],
      ["Withdrawal onset · peak · resolved", s.withdrawal_onset_h === null ? "none" :
        `${fmt(s.withdrawal_onset_h, 1)} · ${fmt(s.withdrawal_peak_h, 0)} · ${fmt(s.withdrawal_resolved_h, 0)} h`,
        s.withdrawal_onset_h === null ? "no withdrawal after the last dose" : "after the last dose"],
      ["Tolerance at the last agonist dose", `${fmt(s.tolerance_fold_at_last_dose, 2)}×`, `${fmt(s.tolerance_fold_at_end, 2)}× at the end`],
      ["Peak dopamine", `${fmt(s.peak_dopamine_pct_baseline, 0)}\u00a0%`, `lowest after the last dose ${fmt(s.min_dopamine_pct_baseline_after_last_dose, 0)}\u00a0%`],
      ["Peak MOR activation", fmt(s.peak_mor_activation, 2), `${s.doses} dose${s.doses === 1 ? "" : "s"}`],
    ];
    if (s.peak_precipitated_score !== null) {
      rows.push(["Precipitated withdrawal", `${fmt(s.peak_precipitated_score, 1)} / 48`, `at ${hoursText(s.precipitated_at_h)}`]);
    }
    el.numbers.replaceChildren(...rows.map(([label, value, note]) => {
      const div = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      const strong = document.createElement("strong");
      strong.textContent = value;
      const small = document.createElement("span");
      small.className = "note";
      small.textContent = note;
      dd.append(strong, " ", small);
      div.append(dt, dd);
      return div;
    }));
  }

  function chartDescription(s) {
    return `Chart of ${s.regimen}: plasma levels, MOR activation, dopamine, tolerance and ` +
      `withdrawal score over time. Peak withdrawal after the last dose ` +
      `${fmt(s.peak_withdrawal_score, 1)} of 48 (${s.withdrawal_band.replace("_", " ")}).`;
  }

  function showStatus(text) {
    el.status.textContent = text;
  }

  function clearErrors() {
    for (const [input, box] of [[el.regimen, el.regimenError], [el.observe, el.observeError]]) {
      input.removeAttribute("aria-invalid");
      box.hidden = true;
      box.replaceChildren();
    }
    el.chart.classList.remove("stale");
  }

  /** Shows the server's one-line message under the field it is about, with a caret at its column. */
  function showError(message) {
    clearErrors();
    el.results.setAttribute("aria-busy", "false");
    el.chart.classList.add("stale");
    if (chartUrl) {
      showStatus("The chart shows the last schedule that worked.");
    } else {
      el.runTitle.textContent = "No chart yet";
      showStatus(`Correct the ${message.startsWith("observe:") ? "window" : "regimen"} ` +
        "(see the message under it) to see its chart.");
    }
    const aboutObserve = message.startsWith("observe:");
    const input = aboutObserve ? el.observe : el.regimen;
    const box = aboutObserve ? el.observeError : el.regimenError;
    input.setAttribute("aria-invalid", "true");
    const text = document.createElement("p");
    text.textContent = message;
    box.append(text);
    const column = /^at column (\d+)/.exec(message);
    if (column && !aboutObserve) {
      const pre = document.createElement("pre");
      pre.setAttribute("aria-hidden", "true");
      const typed = el.regimen.value.trim();
      pre.textContent = `${typed}\n${" ".repeat(Number(column[1]) - 1)}^`;
      box.append(pre);
    }
    box.hidden = false;
  }

  // ---- Wiring ----

  function controlChanged(event) {
    const startedAt = performance.now();
    if (event.target === el.drug) fillRoutes();
    showAfterFields();
    el.preset.value = "";
    el.presetDescription.textContent = "";
    el.regimen.value = regimenFromControls();
    el.controlsNote.hidden = true;
    schedule(DEBOUNCE_CONTROL_MS, startedAt);
  }

  function choosePreset() {
    const preset = presets.find((p) => p.name === el.preset.value);
    if (!preset) { el.presetDescription.textContent = ""; return; }
    el.presetDescription.textContent = preset.description;
    el.regimen.value = preset.regimen;
    el.observe.value = preset.observe;
    followRegimen(preset.regimen);
    schedule(0, performance.now());
  }

  async function start() {
    const [options, presetList] = await Promise.all([getJson("/api/options"), getJson("/api/presets")]);
    drugs = options.drugs;
    presets = presetList;
    el.drug.replaceChildren(...drugs.map((d) => new Option(d.name, d.name)));
    el.drug.value = "heroin";
    fillRoutes();
    el.route.value = "iv";
    el.preset.append(...presets.map((p) => new Option(p.title, p.name)));
    el.dose.max = String(options.limits.max_dose_mg);
    el.taperTo.max = String(options.limits.max_dose_mg);
    el.taperFrom.max = String(options.limits.max_dose_mg);
    el.days.max = String(options.limits.max_span_days);

    const shared = new URLSearchParams(location.search);
    el.observe.value = shared.get("observe") || options.default_observe;
    const regimen = shared.get("regimen");
    if (regimen) {
      el.regimen.value = regimen;
      followRegimen(regimen);
      const preset = presets.find((p) => p.regimen === regimen && p.observe === el.observe.value);
      if (preset) { el.preset.value = preset.name; el.presetDescription.textContent = preset.description; }
    } else {
      showAfterFields();
      el.regimen.value = regimenFromControls();
    }

    for (const control of [el.drug, el.route, el.dose, el.interval, el.days, el.after,
      el.taperFrom, el.taperDays, el.taperTo, el.waitDays]) {
      control.addEventListener("input", controlChanged);
    }
    el.preset.addEventListener("change", choosePreset);
    el.regimen.addEventListener("input", () => {
      el.preset.value = "";
      el.presetDescription.textContent = "";
      followRegimen(el.regimen.value);
      schedule(DEBOUNCE_TYPING_MS, performance.now());
    });
    el.observe.addEventListener("input", () => schedule(DEBOUNCE_TYPING_MS, performance.now()));
    document.getElementById("controls").addEventListener("submit", (e) => e.preventDefault());
    update(performance.now());
  }

  start().catch((e) => showStatus(`The page could not start: ${e.message}`));
})();
