//! The `opioid-sim` command line: parses arguments, calls the library, prints, and maps errors to
//! exit codes (0 success, 2 bad input or an output that cannot be written).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use opioid_sim::chart::{
    plot_figure, write_chart, write_lesson, Format as ImageFormat, LessonChart, Size,
};
use opioid_sim::model::Model;
use opioid_sim::output::{to_csv, to_json, write_atomic};
use opioid_sim::regimen::parse_duration_h;
use opioid_sim::report::{sensitivity_text, summary_text};
use opioid_sim::scenario::Scenario;
use opioid_sim::simulation::{simulate, summarize, SimOptions};
use opioid_sim::{model, sensitivity, toml_file};

/// A teaching simulator of opioid tolerance and physical dependence.
/// Teaching model, not medical advice.
#[derive(Debug, Parser)]
#[command(name = "opioid-sim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a regimen and write the time series (CSV or JSON).
    Simulate(SimulateArgs),
    /// Print the headline numbers of a regimen: withdrawal, tolerance, dopamine.
    Summary(SummaryArgs),
    /// Write the lesson charts (PNG and SVG) and their index README.md.
    Lesson(LessonArgs),
    /// Chart a regimen: drug levels, MOR activation, dopamine, tolerance and withdrawal.
    Plot(PlotArgs),
    /// How much each model parameter moves the headline numbers of a regimen (elasticities).
    Sensitivity(SensitivityArgs),
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

/// Where the regimen comes from, and which model runs it.
#[derive(Debug, Args)]
struct InputArgs {
    /// Regimen text, e.g. "10mg iv q8h x 14d then wait 21d then 10mg iv".
    #[arg(
        long,
        short = 'r',
        conflicts_with = "scenario",
        required_unless_present = "scenario",
        allow_hyphen_values = true
    )]
    regimen: Option<String>,
    /// Scenario file (TOML), e.g. models/scenarios/two-weeks-then-stop.toml.
    #[arg(long, short = 's')]
    scenario: Option<PathBuf>,
    /// How long to keep simulating after the last dose, e.g. 10d, 36h [default: 10d, or the
    /// scenario's `observe`].
    #[arg(long)]
    observe: Option<String>,
    /// Model file (TOML) to use instead of the built-in heroin model.
    #[arg(long)]
    model: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output grid spacing, e.g. 5min, 1h.
    #[arg(long, default_value = "5min")]
    dt: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Output file (written atomically); standard output if absent.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SummaryArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct LessonArgs {
    /// Output folder (created if missing, when its parent folder exists).
    #[arg(long, short = 'o', default_value = "plots")]
    out: PathBuf,
    /// Chart size: slide (1600x900), print (2400x1500) or WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "slide", value_parser = parse_size)]
    size: Size,
    /// Write only this chart (repeatable; the index README.md needs all of them). One of:
    /// single-vs-repeated, pk-metabolites, routes, dopamine-repeated, tolerance-dose-response,
    /// withdrawal-vs-duration, dependence-threshold, recovery-and-relapse, naloxone-challenge,
    /// methadone-vs-heroin, buprenorphine-induction.
    #[arg(long = "chart", value_name = "NAME", value_parser = parse_chart)]
    charts: Vec<LessonChart>,
}

#[derive(Debug, Args)]
struct PlotArgs {
    #[command(flatten)]
    input: InputArgs,
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
    /// Relative change applied to each parameter, down and up, in percent.
    #[arg(long, default_value_t = 10.0)]
    step_pct: f64,
    /// Show only the N parameters with the largest effect (0 for all).
    #[arg(long, default_value_t = 15)]
    top: usize,
    /// Print the whole analysis as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
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
}

/// The regimen, model and window a command runs, after validation.
struct Run {
    scenario: Scenario,
    model: Model,
    observe_h: f64,
}

fn load(input: &InputArgs) -> Result<Run> {
    let model = match &input.model {
        Some(path) => Model::from_path(path)?,
        None => Model::default_heroin().context("the built-in model is invalid (a bug)")?,
    };
    let scenario = match (&input.regimen, &input.scenario) {
        (Some(text), None) => Scenario::from_regimen_text(text)?,
        (None, Some(path)) => Scenario::from_path(path)?,
        _ => bail!("give either --regimen TEXT or --scenario FILE"),
    };
    let observe_h = match &input.observe {
        Some(text) => parse_duration_h(text).context("--observe")?,
        None => scenario.observe_h.unwrap_or(240.0),
    };
    Ok(Run {
        scenario,
        model,
        observe_h,
    })
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Simulate(args) => {
            let run = load(&args.input)?;
            let opts = SimOptions {
                observe_h: run.observe_h,
                dt_h: parse_duration_h(&args.dt).context("--dt")?,
                ..SimOptions::default()
            };
            let traj = simulate(&run.model, &run.scenario.regimen, &opts)?;
            let text = match args.format {
                Format::Csv => to_csv(&traj),
                Format::Json => to_json(&traj, &run.scenario.regimen.describe(), &run.model.name),
            };
            match &args.out {
                Some(path) => write_atomic(path, text.as_bytes())?,
                None => to_stdout(&text)?,
            }
        }
        Command::Summary(args) => {
            let run = load(&args.input)?;
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
            let run = load(&args.input)?;
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
            let run = load(&args.input)?;
            let (text, origin) = match &args.input.model {
                Some(path) => (toml_file::read(path, "model")?, path.display().to_string()),
                None => (
                    model::DEFAULT_MODEL_TOML.to_string(),
                    "models/heroin.toml (embedded)".to_string(),
                ),
            };
            let report = sensitivity::analyse(
                &text,
                &origin,
                &run.scenario.regimen,
                run.observe_h,
                args.step_pct / 100.0,
            )?;
            if args.json {
                to_stdout(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
            } else {
                to_stdout(&sensitivity_text(&report, args.top))?;
            }
        }
        Command::Serve(args) => serve(&args)?,
    }
    Ok(())
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
