//! The `opioid-sim` command line: parses arguments, calls the library, prints, and maps errors to
//! exit codes (0 success, 2 bad input or an output that cannot be written).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, CommandFactory as _, Parser, Subcommand, ValueEnum};

use opioid_sim::chart::{
    plot_figure, write_chart, write_lesson, Format as ImageFormat, LessonChart, Size,
};
use opioid_sim::dose::Route;
use opioid_sim::model::Model;
use opioid_sim::output::{to_csv, to_json, write_atomic};
use opioid_sim::regimen::{self, parse_duration_h};
use opioid_sim::report::{sensitivity_text, summary_text};
use opioid_sim::scenario::{self, Scenario};
use opioid_sim::simulation::{check_observe, simulate, summarize, SimOptions};
use opioid_sim::{model, nonmem, sensitivity, toml_file, validation};

/// The disclaimer, in the top-level help and on every chart.
const DISCLAIMER: &str = "Teaching model, not medical advice: its numbers are model quantities \
for an average adult, not predictions for any person. Do not use it to plan, dose, taper or stop \
any drug.";

/// A teaching simulator of opioid tolerance and physical dependence: heroin -> 6-MAM ->
/// morphine -> MOR activation -> dopamine, with tolerance, dependence and withdrawal.
#[derive(Debug, Parser)]
#[command(
    name = "opioid-sim",
    version,
    after_help = format!("{DISCLAIMER}\n\nStart with: opioid-sim summary --regimen \"10mg iv q8h x 14d\"\n\
        See what exists: opioid-sim list drugs|routes|scenarios|charts|parameters")
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a regimen and write the time series (CSV or JSON).
    #[command(after_help = grammar_help())]
    Simulate(SimulateArgs),
    /// Print the headline numbers of a regimen: withdrawal, tolerance, dopamine, breathing (overdose read-out).
    #[command(after_help = grammar_help())]
    Summary(SummaryArgs),
    /// Write the lesson charts (PNG and SVG) and their index README.md.
    Lesson(LessonArgs),
    /// Chart a regimen: drug levels, MOR activation, dopamine, wanting and craving, breathing, tolerance and withdrawal.
    #[command(after_help = grammar_help())]
    Plot(PlotArgs),
    /// How much each model parameter moves the headline numbers of a regimen (elasticities).
    #[command(after_help = grammar_help())]
    Sensitivity(SensitivityArgs),
    /// Simulate a cohort of virtual people who differ (the model's variable parameters) and
    /// use irregularly (`~`, `skip`): percentiles of the headline numbers and the share
    /// dependent; `cohort merge` joins shards.
    #[command(
        after_help = grammar_help(),
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true
    )]
    Cohort(CohortArgs),
    /// Check the model against every validation target (models/validation.toml): one line per
    /// target, a report with charts with --out, exit 1 if any target fails.
    Validate(ValidateArgs),
    /// List what exists: drugs, routes, scenarios, charts or the model's parameters.
    List(ListArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell) to standard
    /// output, e.g. `opioid-sim completions bash > ~/.local/share/bash-completion/completions/opioid-sim`.
    Completions(CompletionsArgs),
    /// Serve the explorer: a local web page to change a schedule and watch the body respond.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Port on 127.0.0.1 (this machine only); 0 picks a free one.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Open the page in the desktop's browser.
    #[arg(long)]
    open: bool,
}

/// The regimen grammar in short, from the built-in model's drugs and the parser's limits.
fn grammar_help() -> String {
    let drugs: Vec<String> = Model::default_heroin()
        .map(|m| m.drug_names().iter().map(|d| d.to_string()).collect())
        .unwrap_or_default();
    regimen::grammar_summary(&drugs)
}

/// Where the regimen comes from: typed text or a scenario (exactly one).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct InputArgs {
    /// Regimen text, e.g. "10mg iv q8h x 14d then wait 21d then 10mg iv" (grammar below).
    #[arg(long, short = 'r', allow_hyphen_values = true)]
    regimen: Option<String>,
    /// Scenario file (TOML), or the name of a built-in scenario, e.g. two-weeks-then-stop
    /// (see `opioid-sim list scenarios`).
    #[arg(long, short = 's')]
    scenario: Option<PathBuf>,
    /// NONMEM-style dosing file (CSV: ID, TIME in h, AMT in mg, DRUG and ROUTE or CMT, optional
    /// II and ADDL); several IDs are several subjects (simulate --format nonmem).
    #[arg(long)]
    doses: Option<PathBuf>,
}

/// Which model runs the regimen, and for how long.
#[derive(Debug, Args)]
struct RunArgs {
    /// How long to keep simulating after the last dose, e.g. 10d, 36h; at most 365 days
    /// [default: 10d, or the scenario's `observe`].
    #[arg(long, allow_hyphen_values = true)]
    observe: Option<String>,
    /// Model file (TOML) to use instead of the built-in heroin model.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Seed for irregular use (`~`, `skip` in the regimen): the same seed gives the same doses
    /// (those of subject 1 of a cohort with this seed). In `cohort`, the seed of the people.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Output grid spacing, e.g. 5min, 1h.
    #[arg(long, default_value = "5min", allow_hyphen_values = true)]
    dt: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Output file (written atomically; an existing symlink is followed and the file's
    /// permissions kept); standard output if absent or `-`.
    #[arg(long, short = 'o', allow_hyphen_values = true)]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SummaryArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct CohortArgs {
    #[command(subcommand)]
    merge: Option<CohortCommand>,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    run: RunArgs,
    /// How many virtual people (1 to 1,000,000).
    #[arg(long, short = 'n', default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=opioid_sim::cohort::MAX_SUBJECTS))]
    subjects: u64,
    /// Write one row per subject (CSV: subject, drawn parameters, summary fields), atomically.
    #[arg(long, short = 'o', value_name = "FILE.csv")]
    out: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Also draw percentile bands of activation and withdrawal over time (.png or .svg).
    #[arg(long, value_name = "FILE", conflicts_with = "shard")]
    chart: Option<PathBuf>,
    /// Chart size: slide (1600x900), print (2400x1500) or WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "slide", value_parser = parse_size)]
    size: Size,
    /// Worker threads [default: one per core]; the output does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
    threads: Option<u64>,
    /// Run slice K of N of the cohort (e.g. 2/4) and write its rows with --out; join the
    /// slices with `cohort merge`.
    #[arg(long, value_name = "K/N", value_parser = opioid_sim::cohort::parse_shard, requires = "out")]
    shard: Option<(u64, u64)>,
}

#[derive(Debug, Subcommand)]
enum CohortCommand {
    /// Join the per-subject files of a cohort's shards (cohort --shard K/N --out FILE) into the
    /// output of one run.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// The shards' files (any order).
    #[arg(required = true, value_name = "FILES")]
    files: Vec<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Write the joined per-subject file (CSV), atomically.
    #[arg(long, short = 'o', value_name = "FILE.csv")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct LessonArgs {
    /// Output folder (created if missing, when its parent folder exists).
    #[arg(long, short = 'o', default_value = "plots")]
    out: PathBuf,
    /// Chart size: slide (1600x900), print (2400x1500) or WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "slide", value_parser = parse_size)]
    size: Size,
    /// Write only this chart (repeatable; the index README.md needs all of them); the names
    /// are listed by `opioid-sim list charts`.
    #[arg(long = "chart", value_name = "NAME", value_parser = parse_chart)]
    charts: Vec<LessonChart>,
}

#[derive(Debug, Args)]
struct PlotArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Output image, .png or .svg (written atomically).
    #[arg(long, short = 'o', default_value = "opioid-sim-plot.png")]
    out: PathBuf,
    /// Chart size: slide (1600x900), print (2400x1500) or WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "slide", value_parser = parse_size)]
    size: Size,
}

#[derive(Debug, Args)]
struct SensitivityArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    run: RunArgs,
    /// Relative change applied to each parameter, down and up, in percent (above 0, at most 50).
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    step_pct: f64,
    /// Show only the N parameters with the largest effect (0 for all).
    #[arg(long, default_value_t = 15)]
    top: usize,
    /// Print the whole analysis as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Also draw a tornado chart (.png or .svg) of the largest elasticities.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// Chart size: slide (1600x900), print (2400x1500) or WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "slide", value_parser = parse_size)]
    size: Size,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// Folder for the report (README.md and one SVG chart per target), created if missing;
    /// the committed report is plots/validation.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Model file (TOML) to check instead of the built-in heroin model.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Targets file (TOML) instead of the built-in models/validation.toml.
    #[arg(long)]
    targets: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// What to list.
    #[arg(
        value_enum,
        value_name = "drugs|routes|scenarios|charts|parameters|model"
    )]
    what: ListWhat,
    /// Model file (TOML) for `drugs`, `routes` and `parameters` instead of the built-in model.
    #[arg(long)]
    model: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListWhat {
    /// The drugs of the model, with their routes.
    Drugs,
    /// The routes of administration, with the drugs that have each.
    Routes,
    /// The built-in scenarios (usable by name with --scenario).
    Scenarios,
    /// The lesson charts.
    Charts,
    /// The model's parameters: value, unit, confidence and source.
    Parameters,
    /// The model for a pharmacologist: equations and every parameter, as Markdown (MODEL.md).
    Model,
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "bash|zsh|fish|elvish|powershell")]
    shell: clap_complete::Shell,
}

fn parse_size(text: &str) -> Result<Size, String> {
    text.parse()
        .map_err(|e: opioid_sim::chart::ChartError| e.to_string())
}

fn parse_chart(text: &str) -> Result<LessonChart, String> {
    text.parse()
        .map_err(|e: opioid_sim::chart::ChartError| e.to_string())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Json,
    /// NONMEM-style dataset: ID, TIME, AMT, CMT, EVID, MDV, DV, DRUG, ROUTE, then every column.
    Nonmem,
}

/// The regimen, model and window a command runs, after validation.
struct Run {
    scenario: Scenario,
    model: Model,
    observe_h: f64,
    /// Every subject of a dosing file (ID and regimen); one subject, ID 1, otherwise.
    subjects: Vec<(String, Scenario)>,
}

fn load_model(path: Option<&PathBuf>) -> Result<Model> {
    Ok(match path {
        Some(path) => Model::from_path(path)?,
        None => Model::default_heroin().context("the built-in model is invalid (a bug)")?,
    })
}

fn load(input: &InputArgs, run: &RunArgs) -> Result<Run> {
    let model = load_model(run.model.as_ref())?;
    let subjects: Vec<(String, Scenario)> = match (&input.regimen, &input.scenario, &input.doses) {
        (Some(text), None, None) => vec![("1".into(), Scenario::from_regimen_text(text)?)],
        (None, Some(path), None) => vec![("1".into(), Scenario::from_path_or_name(path)?)],
        (None, None, Some(path)) => {
            let text = toml_file::read(path, "dosing")?;
            nonmem::read_doses(&text, &path.display().to_string(), &model)?
                .into_iter()
                .map(|(id, regimen)| {
                    let scenario = Scenario {
                        title: format!("{} (ID {id})", path.display()),
                        description: String::new(),
                        regimen_text: regimen.describe(),
                        regimen,
                        observe_h: None,
                        offers: None,
                    };
                    (id, scenario)
                })
                .collect()
        }
        _ => bail!("give one of --regimen TEXT, --scenario FILE or --doses FILE"),
    };
    let scenario = subjects[0].1.clone();
    let observe_h = match &run.observe {
        Some(text) => parse_duration_h(text).context("--observe")?,
        None => scenario.observe_h.unwrap_or(240.0),
    };
    check_observe(observe_h)?;
    Ok(Run {
        scenario,
        model,
        observe_h,
        subjects,
    })
}

impl Run {
    /// Refuses a scenario with offered doses (use that follows wanting): whether a dose is
    /// taken is a choice each person makes, which only a cohort runs.
    fn without_offers(self) -> Result<Run> {
        if self.scenario.offers.is_some() {
            bail!(
                "scenario \"{}\" offers doses that each person takes or declines (use that follows wanting); run it as a cohort: opioid-sim cohort --scenario ...",
                self.scenario.title
            );
        }
        Ok(self)
    }

    /// The run with each subject's irregular use drawn (that of subject 1 of a cohort with
    /// this seed); a regular regimen is unchanged.
    fn realized(self, seed: u64) -> Result<Run> {
        let mut run = self.without_offers()?;
        run.scenario.regimen = opioid_sim::cohort::realize_use(&run.scenario.regimen, seed, 1);
        for (_, s) in &mut run.subjects {
            s.regimen = opioid_sim::cohort::realize_use(&s.regimen, seed, 1);
        }
        Ok(run)
    }
}

/// [`load`] for the commands that run one subject.
fn load_one(input: &InputArgs, run: &RunArgs) -> Result<Run> {
    let run = load(input, run)?;
    if run.subjects.len() > 1 {
        bail!(
            "--doses: the file has {} subjects (IDs); this command runs one: keep one ID, or use simulate --format nonmem",
            run.subjects.len()
        );
    }
    Ok(run)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Simulate(args) => {
            let run = load(&args.input, &args.run)?.realized(args.run.seed)?;
            let opts = SimOptions {
                observe_h: run.observe_h,
                dt_h: parse_duration_h(&args.dt).context("--dt")?,
                ..SimOptions::default()
            };
            if run.subjects.len() > 1 && !matches!(args.format, Format::Nonmem) {
                bail!(
                    "--doses: the file has {} subjects (IDs); write them with --format nonmem, which has an ID column",
                    run.subjects.len()
                );
            }
            let text = match args.format {
                Format::Csv => to_csv(&simulate(&run.model, &run.scenario.regimen, &opts)?),
                Format::Json => to_json(
                    &simulate(&run.model, &run.scenario.regimen, &opts)?,
                    &run.scenario.regimen.describe(),
                    &run.model.name,
                ),
                Format::Nonmem => {
                    let mut text = String::new();
                    for (n, (id, scenario)) in run.subjects.iter().enumerate() {
                        let traj = simulate(&run.model, &scenario.regimen, &opts)?;
                        if n == 0 {
                            text.push_str(&nonmem::header(&traj));
                        }
                        nonmem::write_subject(&mut text, id, &traj, &scenario.regimen, &run.model);
                    }
                    text
                }
            };
            match &args.out {
                Some(path) if path.as_os_str() != "-" => write_atomic(path, text.as_bytes())?,
                _ => to_stdout(&text)?,
            }
        }
        Command::Summary(args) => {
            let run = load_one(&args.input, &args.run)?.realized(args.run.seed)?;
            let summary = summarize(&run.model, &run.scenario.regimen, run.observe_h)?;
            if args.json {
                to_stdout(&format!("{}\n", serde_json::to_string_pretty(&summary)?))?;
            } else {
                to_stdout(&summary_text(&summary, &run.model))?;
            }
        }
        Command::Lesson(args) => {
            let model = Model::default_heroin().context("the built-in model is invalid (a bug)")?;
            let mut charts: Vec<LessonChart> = Vec::new();
            for c in if args.charts.is_empty() {
                LessonChart::ALL.to_vec()
            } else {
                args.charts.clone()
            } {
                if !charts.contains(&c) {
                    charts.push(c);
                }
            }
            let written = write_lesson(&model, &args.out, args.size, &charts)?;
            let index = if written.len() > 2 * charts.len() {
                " and README.md"
            } else {
                ""
            };
            to_stdout(&format!(
                "wrote {} chart{} (PNG and SVG){index} to {}\n",
                charts.len(),
                if charts.len() == 1 { "" } else { "s" },
                args.out.display()
            ))?;
        }
        Command::Plot(args) => {
            ImageFormat::of_path(&args.out)?;
            let run = load_one(&args.input, &args.run)?.realized(args.run.seed)?;
            let fig = plot_figure(
                &run.model,
                &run.scenario.title,
                &run.scenario.regimen,
                run.observe_h,
            )?;
            write_chart(&fig, args.size, &args.out)?;
            to_stdout(&format!("wrote {}\n", args.out.display()))?;
        }
        Command::Sensitivity(args) => {
            if !(args.step_pct > 0.0 && args.step_pct <= 50.0) {
                bail!(
                    "--step-pct: {} is not allowed; expected a percentage above 0 and at most 50, e.g. 10",
                    args.step_pct
                );
            }
            if let Some(path) = &args.chart {
                ImageFormat::of_path(path)?;
            }
            let run = load_one(&args.input, &args.run)?.realized(args.run.seed)?;
            let (text, origin) = model_text(args.run.model.as_ref())?;
            let report = sensitivity::analyse(
                &text,
                &origin,
                &run.scenario.regimen,
                run.observe_h,
                args.step_pct / 100.0,
            )?;
            if let Some(path) = &args.chart {
                let top = if args.top == 0 { usize::MAX } else { args.top };
                let fig = opioid_sim::chart::tornado::tornado_figure(&report, &run.model, top);
                write_chart(&fig, args.size, path)?;
            }
            if args.json {
                to_stdout(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
            } else {
                to_stdout(&sensitivity_text(&report, args.top))?;
            }
        }
        Command::Cohort(args) => cohort(args)?,
        Command::Validate(args) => {
            let model = load_model(args.model.as_ref())?;
            let (text, _) = model_text(args.model.as_ref())?;
            let targets = match &args.targets {
                Some(path) => validation::targets_from_toml(
                    &toml_file::read(path, "targets")?,
                    &path.display().to_string(),
                )?,
                None => validation::default_targets()
                    .context("the built-in validation targets are invalid (a bug)")?,
            };
            let outcomes: Vec<validation::Outcome> =
                targets.iter().map(|t| t.run(&model, &text)).collect();
            to_stdout(&validation::report::terminal_lines(&outcomes))?;
            if let Some(dir) = &args.out {
                let written = validation::report::write(&outcomes, &model, dir)?;
                to_stdout(&format!(
                    "wrote the report ({} files) to {}\n",
                    written.len(),
                    dir.display()
                ))?;
            }
            if outcomes
                .iter()
                .any(|o| o.verdict == validation::Verdict::Fails)
            {
                return Ok(ExitCode::from(1));
            }
        }
        Command::List(args) => to_stdout(&list(&args)?)?,
        Command::Completions(args) => {
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "opioid-sim", &mut script);
            to_stdout(&String::from_utf8_lossy(&script))?;
        }
        Command::Serve(args) => serve(&args)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `opioid-sim cohort` and `cohort merge`.
fn cohort(args: CohortArgs) -> Result<()> {
    use opioid_sim::cohort::{self, CohortReport, CohortSpec, CohortTable, Population};
    if let Some(CohortCommand::Merge(merge)) = args.merge {
        refuse_stdout(merge.out.as_deref())?;
        let mut parts = Vec::new();
        for path in &merge.files {
            let name = path.display().to_string();
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
            parts.push((name.clone(), CohortTable::from_csv(&text, &name)?));
        }
        let whole = CohortTable::merge(parts)?;
        if let Some(out) = &merge.out {
            write_atomic(out, whole.to_csv().as_bytes())?;
        }
        return print_cohort(&CohortReport::of(&whole), merge.json);
    }
    refuse_stdout(args.out.as_deref())?;
    if let Some(path) = &args.chart {
        ImageFormat::of_path(path)?;
    }
    let run = load_one(&args.input, &args.run)?;
    let (text, origin) = model_text(args.run.model.as_ref())?;
    let population = Population::new(&text, &origin)?;
    let label = cohort::model_label(&run.model.name, &text);
    let spec = CohortSpec {
        regimen: &run.scenario.regimen,
        observe_h: run.observe_h,
        seed: args.run.seed,
        subjects: args.subjects,
        shard: args.shard,
        bands: args
            .chart
            .as_ref()
            .map(|_| cohort::BandSpec { every_h: 0.25 }),
        offers: run.scenario.offers.as_ref(),
    };
    if spec.offers.is_some() && args.chart.is_some() {
        bail!("--chart: percentile bands are for scenarios without offered doses (each person there takes their own doses)");
    }
    let count = cohort::shard_subjects(spec.subjects, spec.shard).count() as u64;
    let bar = progress_bar(count);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0) as usize)
        .build()
        .context("cannot start the worker threads")?;
    let (table, bands) =
        pool.install(|| cohort::run_cohort(&population, &label, &spec, &|| bar.inc(1)))?;
    bar.finish_and_clear();
    if let Some(out) = &args.out {
        write_atomic(out, table.to_csv().as_bytes())?;
    }
    if let Some((k, n)) = args.shard {
        let range = cohort::shard_subjects(spec.subjects, spec.shard);
        let out = args
            .out
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        return to_stdout(&format!(
            "wrote subjects {} to {} of {} (shard {k}/{n}) to {out}; join the shards with `opioid-sim cohort merge`\n",
            range.start(),
            range.end(),
            spec.subjects
        ));
    }
    let report = CohortReport::of(&table);
    if let (Some(path), Some(bands)) = (&args.chart, &bands) {
        let fig =
            opioid_sim::chart::bands::bands_figure(&run.model, &run.scenario.title, bands, &report);
        write_chart(&fig, args.size, path)?;
    }
    print_cohort(&report, args.json)
}

/// `cohort` prints its summary on standard output, so its per-subject rows cannot go there too.
fn refuse_stdout(out: Option<&std::path::Path>) -> Result<()> {
    if out.is_some_and(|p| p.as_os_str() == "-") {
        bail!("--out -: cohort prints its summary on standard output, so the per-subject rows need a file (e.g. --out subjects.csv)");
    }
    Ok(())
}

fn print_cohort(report: &opioid_sim::cohort::CohortReport, json: bool) -> Result<()> {
    if json {
        to_stdout(&format!("{}\n", serde_json::to_string_pretty(report)?))
    } else {
        to_stdout(&opioid_sim::report::cohort_text(report))
    }
}

/// A progress bar on standard error for `count` subjects, drawn only when standard error is a
/// terminal (nothing in pipes, files and CI logs).
fn progress_bar(count: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(count);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} people ({per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}

/// The text of a model file and its name for messages (the built-in model's without a path).
fn model_text(path: Option<&PathBuf>) -> Result<(String, String)> {
    Ok(match path {
        Some(path) => (toml_file::read(path, "model")?, path.display().to_string()),
        None => (
            model::DEFAULT_MODEL_TOML.to_string(),
            "models/heroin.toml".to_string(),
        ),
    })
}

/// The text `opioid-sim list WHAT` prints.
fn list(args: &ListArgs) -> Result<String> {
    let mut out = String::new();
    match args.what {
        ListWhat::Drugs => {
            let model = load_model(args.model.as_ref())?;
            for drug in &model.drugs {
                let routes: Vec<&str> = drug.routes.iter().map(|r| r.route.name()).collect();
                out += &format!("{:<16} routes: {}\n", drug.name, routes.join(", "));
            }
        }
        ListWhat::Routes => {
            let model = load_model(args.model.as_ref())?;
            for route in Route::ALL {
                let drugs: Vec<&str> = model
                    .drugs
                    .iter()
                    .filter(|d| d.route(route).is_some())
                    .map(|d| d.name.as_str())
                    .collect();
                let drugs = if drugs.is_empty() {
                    "(no drug in this model)".to_string()
                } else {
                    drugs.join(", ")
                };
                out += &format!("{:<12} drugs: {drugs}\n", route.name());
            }
        }
        ListWhat::Scenarios => {
            for (name, _) in scenario::BUILT_IN {
                let s = Scenario::built_in(name)
                    .context("a built-in scenario is missing (a bug)")?
                    .context("a built-in scenario does not load (a bug)")?;
                match &s.offers {
                    Some(o) => {
                        out += &format!(
                            "{name:<32} {}: {}, then offered {} (cohort only)\n",
                            s.title, s.regimen_text, o.text
                        )
                    }
                    None => out += &format!("{name:<32} {}: {}\n", s.title, s.regimen_text),
                }
            }
        }
        ListWhat::Charts => {
            for chart in LessonChart::ALL {
                out += &format!("{:<26} {}\n", chart.name(), chart.heading());
            }
        }
        ListWhat::Model => {
            let (text, origin) = model_text(args.model.as_ref())?;
            out = model::doc::model_markdown(&text, &origin)?;
        }
        ListWhat::Parameters => {
            let (text, origin) = model_text(args.model.as_ref())?;
            for (name, p) in sensitivity::documented_parameters(&text, &origin)? {
                out += &format!(
                    "{name}\t{} {}\t{:?}\t{}\n",
                    p.value, p.unit, p.confidence, p.source
                );
            }
        }
    }
    Ok(out)
}

/// Starts the explorer, says where it is, and serves until the process is stopped.
fn serve(args: &ServeArgs) -> Result<()> {
    let explorer = opioid_sim::explorer::Explorer::bind(args.port)?;
    let url = explorer.url();
    to_stdout(&format!(
        "opioid-sim explorer: open {url} (listening on this machine only; Ctrl-C stops it)\n"
    ))?;
    if args.open {
        if let Err(e) = opioid_sim::explorer::open_in_browser(&url) {
            eprintln!("warning: {e}");
        }
    }
    explorer.run();
    Ok(())
}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn to_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("writing to standard output")
        }
        _ => Ok(()),
    }
}

/// A clap error as one line: the error and its tip, without the usage block (which `--help`
/// shows), and a pointer to `--help`.
fn one_line(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|l| {
            !(l.is_empty() || l.starts_with("Usage:") || l.starts_with("For more information"))
        })
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect();
    format!("{}; see --help", parts.join(" "))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print to standard output and succeed.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let names: Vec<String> = Cli::command()
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .filter(|n| n != "help")
                .collect();
            eprintln!("error: give a command: {}; see --help", names.join(", "));
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
