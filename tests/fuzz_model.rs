//! Perturbed model files (property-based, with `proptest`): every numeric parameter of the
//! embedded `models/heroin.toml` is scaled log-uniformly within x0.2-x5 (fractions are raised
//! to a power in the same range instead, so that they stay fractions), and now and then one
//! parameter is replaced by a garbage value (zero, negative, NaN, infinite, huge, tiny) or a
//! wrong unit. Each file must either be rejected with a one-line error, or simulate a short
//! regimen without error, with every state within the bounds its equations keep it in:
//! concentrations and amounts non-negative (exactly, not within an epsilon), occupancy,
//! activation, tolerance, dependence and the slow ligand's bound fraction fractions,
//! desensitization below its maximum, sensitization non-negative, the withdrawal score in
//! 0-48, dopamine positive, everything finite.
//!
//! The run is deterministic (a fixed seed for ChaCha, no failure files written), so CI sees the
//! same 1,000 models every time. A failure prints the perturbed file's parameters (shrunk).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

use opioid_sim::model::dynamics::COWS_MAX;
use opioid_sim::model::{Model, DEFAULT_MODEL_TOML};
use opioid_sim::regimen::Regimen;
use opioid_sim::simulation::{end_time, Sample, SimOptions, Simulation};

/// Model files generated per `cargo test` run.
const CASES: u32 = 1000;

/// Regimens the perturbed models run: every route kind (bolus, depot, lag), every drug, an
/// antagonist and the slowly binding partial agonist, and abstinence after a few days of use.
const REGIMENS: [&str; 4] = [
    "10mg iv q8h x 3d then 2mg naloxone iv",
    "10mg smoked q8h x 2d then 10mg intranasal then wait 8h then 8mg buprenorphine sublingual",
    "60mg methadone oral q24h x 3d then 0.4mg naloxone im",
    "30mg heroin oral q12h x 2d then 4mg naloxone intranasal then 10mg morphine iv",
];

/// Hours watched after the last dose.
const OBSERVE_H: f64 = 36.0;

/// The numeric parameters of a model file: the dotted path of every `{ value = ... }` table, in
/// file order.
fn parameter_paths(value: &toml::Value, path: &str, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(t) => {
            if t.contains_key("value") && t.contains_key("unit") {
                out.push(path.to_string());
                return;
            }
            for (k, v) in t {
                parameter_paths(v, &format!("{path}/{k}"), out);
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                parameter_paths(v, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn param_mut<'a>(root: &'a mut toml::Value, path: &str) -> &'a mut toml::value::Table {
    let mut v = root;
    for key in path.split('/').filter(|k| !k.is_empty()) {
        v = match v {
            toml::Value::Table(t) => t.get_mut(key).expect("path from parameter_paths"),
            toml::Value::Array(a) => {
                let i: usize = key.parse().expect("array index");
                &mut a[i]
            }
            _ => panic!("path {path} runs through a scalar"),
        };
    }
    v.as_table_mut().expect("a parameter is a table")
}

fn number(v: &toml::Value) -> f64 {
    match v {
        toml::Value::Float(f) => *f,
        toml::Value::Integer(i) => *i as f64,
        _ => panic!("a parameter value is a number"),
    }
}

/// What happens to one parameter.
#[derive(Debug, Clone)]
enum Change {
    /// Scaled by `factor` (a fraction `v` of 0-1 in unit "1" becomes `v^factor`).
    Scale(f64),
    /// Replaced by this value.
    Set(f64),
    /// Its unit replaced by this text.
    Unit(&'static str),
}

/// The garbage a hostile file may hold.
fn garbage() -> impl Strategy<Value = Change> {
    prop_oneof![
        prop::sample::select(vec![
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            1e-300,
            5e-324,
            200.0,
            1.0 + 1e-12,
        ])
        .prop_map(Change::Set),
        prop::sample::select(vec!["", "h", "1", "mg", "L/h", "nM", "min "]).prop_map(Change::Unit),
    ]
}

/// One perturbed model file: the factor of every parameter, and at most one garbage change
/// (index into the parameter list, taken modulo its length).
fn perturbation(n: usize) -> impl Strategy<Value = (Vec<f64>, Option<(usize, Change)>, usize)> {
    (
        prop::collection::vec((0.2f64.ln()..5.0f64.ln()).prop_map(f64::exp), n),
        prop::option::weighted(0.08, (0..n, garbage())),
        0..REGIMENS.len(),
    )
}

fn apply(root: &mut toml::Value, path: &str, change: &Change) {
    let p = param_mut(root, path);
    match change {
        Change::Scale(f) => {
            let v = number(&p["value"]);
            let unit_one = p["unit"].as_str() == Some("1");
            let new = if unit_one && v > 0.0 && v <= 1.0 {
                v.powf(*f)
            } else {
                v * f
            };
            p.insert("value".into(), toml::Value::Float(new));
        }
        Change::Set(x) => {
            p.insert("value".into(), toml::Value::Float(*x));
        }
        Change::Unit(u) => {
            p.insert("unit".into(), toml::Value::String((*u).into()));
        }
    }
}

/// Checks every sample and state bound; `Err` names the first violation.
struct Checker<'m> {
    model: &'m Model,
}

impl Checker<'_> {
    fn sample(&self, s: &Sample<'_>) -> Result<(), String> {
        let pd = &self.model.pd;
        let o = &s.obs;
        let fail = |what: &str, v: f64| Err(format!("t = {} h: {what} = {v:e}", s.time_h));
        for (i, &c) in s.plasma_ng_ml.iter().enumerate() {
            if !(c.is_finite() && c >= 0.0) {
                return fail(&format!("plasma {}", self.model.species[i].name), c);
            }
        }
        let within = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v <= hi;
        let checks = [
            ("occupancy", o.receptor.occupancy, 0.0, 1.0),
            ("activation", o.receptor.activation, 0.0, 1.0),
            (
                "desensitization",
                o.desensitization,
                0.0,
                pd.desensitization_max,
            ),
            ("tolerance", o.tolerance, 0.0, pd.tolerance_max),
            ("tolerance_fold", o.tolerance_fold, 1.0, f64::MAX),
            ("dependence", o.dependence, 0.0, 1.0),
            ("unopposed", o.unopposed, 0.0, pd.superactivation),
            (
                "sensitization",
                o.sensitization,
                0.0,
                pd.sensitization_gain * pd.superactivation,
            ),
            ("withdrawal score", o.withdrawal_score, 0.0, COWS_MAX),
            ("dopamine", o.dopamine_pct, f64::MIN_POSITIVE, f64::MAX),
            (
                "expected dopamine",
                o.dopamine_expected_pct,
                f64::MIN_POSITIVE,
                f64::MAX,
            ),
        ];
        for (what, v, lo, hi) in checks {
            if !within(v, lo, hi) {
                return fail(what, v);
            }
        }
        Ok(())
    }

    fn state(&self, t: f64, y: &[f64]) -> Result<(), String> {
        let l = &self.model.layout;
        for (i, &v) in y[..l.pk_len].iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("t = {t} h: PK state {i} = {v:e}"));
            }
        }
        let b = y[l.slow_bound];
        let f = y[l.dopamine_feedback];
        if !(b.is_finite() && (0.0..=1.0).contains(&b)) {
            return Err(format!("t = {t} h: slow ligand's bound fraction = {b:e}"));
        }
        if !(f.is_finite() && f > 0.0) {
            return Err(format!("t = {t} h: dopamine feedback = {f:e}"));
        }
        Ok(())
    }
}

/// Runs `regimen` on `model` in chunks that end every 6 h and 1 ms after every dose (so that
/// the whole state is checked at many times, and within the first second of each dose, where
/// the states downstream of the dose start from zero), checking every sample.
fn simulate_checked(model: &Model, regimen: &Regimen) -> Result<usize, String> {
    // A 15-minute grid: the samples are interpolated between solver steps, and a coarser grid
    // than the default 5 minutes keeps the test within about a minute in a debug build.
    let opts = SimOptions {
        dt_h: 0.25,
        ..SimOptions::default()
    };
    let t_end = end_time(regimen, OBSERVE_H);
    let mut sim = Simulation::new(model, opts.tolerances);
    sim.schedule(regimen, 0.0).map_err(|e| e.to_string())?;
    let checker = Checker { model };
    let mut first_error: Option<String> = None;
    let mut samples = 0;
    let mut stops: Vec<f64> = (1..)
        .map(|k| f64::from(k) * 6.0)
        .take_while(|&t| t < t_end)
        .chain(regimen.doses().iter().map(|d| d.time_h + 1e-3 / 3600.0))
        .chain([t_end])
        .collect();
    stops.sort_by(f64::total_cmp);
    for t in stops {
        sim.advance(t, opts.dt_h, &mut |s| {
            samples += 1;
            if first_error.is_none() {
                first_error = checker.sample(s).err();
            }
        })
        .map_err(|e| format!("simulation failed: {e}"))?;
        if let Some(e) = first_error.take() {
            return Err(e);
        }
        checker.state(t, sim.state().as_slice())?;
    }
    Ok(samples)
}

fn config() -> Config {
    Config {
        cases: CASES,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0x0b10_1d5e),
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    }
}

#[test]
fn perturbed_model_files_are_rejected_in_one_line_or_simulate_within_bounds() {
    let base: toml::Value = toml::from_str(DEFAULT_MODEL_TOML).expect("the default model parses");
    let mut paths = Vec::new();
    parameter_paths(&base, "", &mut paths);
    assert!(paths.len() > 60, "{} parameters found", paths.len());
    let regimens: Vec<Regimen> = REGIMENS
        .iter()
        .map(|r| Regimen::parse(r).expect("the fuzz regimens parse"))
        .collect();
    let counts = std::cell::Cell::new((0usize, 0usize));
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let result = runner.run(&perturbation(paths.len()), |(factors, garbage, which)| {
        let mut file = base.clone();
        for (path, &f) in paths.iter().zip(&factors) {
            apply(&mut file, path, &Change::Scale(f));
        }
        if let Some((i, change)) = &garbage {
            apply(&mut file, &paths[i % paths.len()], change);
        }
        let text = toml::to_string(&file).expect("a TOML value serializes");
        let (ok, rejected) = counts.get();
        match Model::from_toml_str(&text, "perturbed.toml") {
            Err(e) => {
                let message = e.to_string();
                prop_assert!(!message.trim().is_empty(), "empty error");
                prop_assert!(!message.contains('\n'), "error on more lines: {message}");
                counts.set((ok, rejected + 1));
            }
            Ok(model) => {
                if let Err(e) = simulate_checked(&model, &regimens[which]) {
                    let scaled: Vec<String> = paths
                        .iter()
                        .zip(&factors)
                        .filter(|(_, &f)| f != 1.0)
                        .map(|(p, f)| format!("{p} x{f}"))
                        .collect();
                    return Err(TestCaseError::fail(format!(
                        "{e} (regimen {:?}; garbage {garbage:?}; scaled: {})",
                        REGIMENS[which],
                        scaled.join(", ")
                    )));
                }
                counts.set((ok + 1, rejected));
            }
        }
        Ok(())
    });
    let (ok, rejected) = counts.get();
    if let Err(e) = result {
        panic!("{e}");
    }
    // Most perturbed models are within the accepted ranges and are simulated: the test is not
    // passed by rejecting everything.
    assert!(
        ok >= CASES as usize / 2,
        "{ok} models simulated, {rejected} rejected"
    );
    assert!(rejected > 0, "no model was rejected");
    eprintln!("perturbed models: {ok} simulated, {rejected} rejected");
}

/// The model file the property test first failed on (before the solver rejected steps that
/// leave the domain): the sensitization G dipped to -6.0e-8 at 39.7 h (-1.9e-7 with the state at the 6-h stops), in the first trough
/// with a cAMP overshoot, whose source switches on with a kink inside a step.
#[test]
fn sensitization_stays_non_negative_where_it_dipped() {
    let mut file: toml::Value = toml::from_str(DEFAULT_MODEL_TOML).expect("default model");
    for (path, factor) in [
        ("/dependence/max_cyclase_superactivation", 2.046270709605601),
        ("/dopamine/max_stimulation", 0.7876718907946539),
        ("/receptor/desensitization_half_life", 2.4353929745918332),
        (
            "/species/0/brain/dissociation_constant",
            0.25361193874301796,
        ),
        ("/species/0/clearance", 0.34859435579146225),
        ("/species/0/molar_mass", 1.9486057506411945),
        ("/species/1/brain/dissociation_constant", 1.247664004196641),
        ("/species/2/brain/efficacy", 1.133161889666827),
        (
            "/species/2/brain/equilibration_half_life",
            1.2038700070811925,
        ),
        ("/tolerance/max_signalling_loss", 4.45691418681221),
    ] {
        apply(&mut file, path, &Change::Scale(factor));
    }
    let text = toml::to_string(&file).expect("serializes");
    let model = Model::from_toml_str(&text, "dipped.toml").expect("a valid model");
    let regimen = Regimen::parse(REGIMENS[0]).expect("regimen");
    let opts = SimOptions::default();
    let mut sim = Simulation::new(&model, opts.tolerances);
    sim.schedule(&regimen, 0.0).expect("schedule");
    let (mut lowest, mut highest) = (f64::INFINITY, 0.0_f64);
    let t_end = end_time(&regimen, 48.0);
    let mut t = 0.0;
    while t < t_end {
        t = (t + 6.0).min(t_end);
        sim.advance(t, opts.dt_h, &mut |s| {
            lowest = lowest.min(s.obs.sensitization);
            highest = highest.max(s.obs.sensitization);
        })
        .expect("simulates");
        lowest = lowest.min(sim.state()[model.layout.sensitization]);
    }
    assert!(lowest >= 0.0, "sensitization fell to {lowest:e}");
    assert!(highest > 0.1, "the run recruits sensitization: {highest}");
}

#[test]
fn a_steep_hill_coefficient_is_refused_when_the_model_loads() {
    let text = DEFAULT_MODEL_TOML.replace("hill = { value = 2,", "hill = { value = 200,");
    assert_ne!(text, DEFAULT_MODEL_TOML);
    let err = Model::from_toml_str(&text, "steep.toml").expect_err("hill = 200 is refused");
    assert_eq!(
        err.to_string(),
        "withdrawal.hill: value 200 is not allowed; expected a Hill coefficient from 0.5 to 10; \
         write a value within this range in the model file"
    );
    // A time is stated in the unit written, its range in readable units.
    let text = DEFAULT_MODEL_TOML.replace(
        "equilibration_half_life = { value = 3, unit = \"min\"",
        "equilibration_half_life = { value = 0.05, unit = \"min\"",
    );
    let err = Model::from_toml_str(&text, "fast.toml").expect_err("3 s is refused");
    assert_eq!(
        err.to_string(),
        "species.heroin.brain.equilibration_half_life: value 0.05 min is not allowed; expected \
         a half-life from 10 s to 2 d; write a value within this range in the model file"
    );
    // Some signalling always remains: tolerance cannot take all of it.
    let text = DEFAULT_MODEL_TOML.replace(
        "max_signalling_loss = { value = 0.9,",
        "max_signalling_loss = { value = 1,",
    );
    let err = Model::from_toml_str(&text, "all.toml").expect_err("a loss of 1 is refused");
    assert!(
        err.to_string()
            .starts_with("tolerance.max_signalling_loss: value 1 is not allowed; expected a fraction from 0 to less than 1;"),
        "{err}"
    );
}

#[test]
fn every_parameter_of_the_shipped_model_is_within_its_range() {
    Model::default_heroin().expect("models/heroin.toml passes its own ranges");
}

/// A model whose PK has no closed form (heroin's elimination 1e-6 away from the intranasal
/// absorption and brain-entry rates, all in series) integrates the whole system; the solver's
/// domain keeps its amounts and effect sites non-negative as well.
#[test]
fn a_model_integrated_whole_keeps_its_bounds() {
    let cl = 9.3 * (2f64.ln() / 0.05) * (1.0 + 1e-6);
    let text = DEFAULT_MODEL_TOML.replacen(
        "clearance = { value = 130, unit = \"L/h\"",
        &format!("clearance = {{ value = {cl}, unit = \"L/h\""),
        1,
    );
    let model = Model::from_toml_str(&text, "near-equal rates").expect("model");
    assert!(model.pk.is_none(), "this model keeps no closed form");
    for regimen in [
        "10mg intranasal q8h x 2d then 2mg naloxone iv",
        "10mg smoked then 8mg buprenorphine sublingual",
    ] {
        let regimen = Regimen::parse(regimen).expect("regimen");
        simulate_checked(&model, &regimen).expect("within bounds");
    }
}
