//! The lesson charts and `plot`: every chart builds and renders, output is deterministic (a
//! golden SVG of a fixed figure guards the renderer), every axis has a unit, the palette is the
//! same everywhere, captions are short and say what was simulated, the pack writes every file,
//! and bad output paths and sizes fail cleanly with nothing written.

mod common;
use common::{files_in, scratch};

use std::path::PathBuf;
use std::sync::OnceLock;

use opioid_sim::chart::figure::{
    Anchor, Axis, Column, Dash, Figure, HBand, Markers, Note, Panel, Rule, Scale, Series, Shape,
};
use opioid_sim::chart::style::{route_color, shades, species_color, Quantity, Rgb, REFERENCE};
use opioid_sim::chart::{
    index_markdown, lesson, plot_figure, render_rgb, render_svg, write_chart, write_lesson,
    ChartError, Lesson, LessonChart, Size,
};
use opioid_sim::model::Model;
use opioid_sim::output::OutputError;
use opioid_sim::regimen::{Regimen, Route};
use opioid_sim::report::DISCLAIMER;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::default_heroin().expect("the built-in model loads"))
}

/// Every lesson, built once for all tests.
fn lessons() -> &'static [Lesson] {
    static LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    LESSONS.get_or_init(|| {
        LessonChart::ALL
            .iter()
            .map(|&c| lesson(model(), c).expect("the lesson chart builds"))
            .collect()
    })
}

/// FNV-1a, a hash that stays the same across Rust versions (for messages only).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn every_lesson_chart_renders_to_svg_the_same_way_twice() {
    for l in lessons() {
        let a = render_svg(&l.figure, Size::Slide).expect("renders");
        let b = render_svg(&l.figure, Size::Slide).expect("renders again");
        assert!(a.starts_with("<svg"), "{}", l.chart);
        assert!(
            a == b,
            "{}: {:x} then {:x}",
            l.chart,
            fnv(a.as_bytes()),
            fnv(b.as_bytes())
        );
        assert!(
            a.contains("Teaching model, not medical advice"),
            "{}",
            l.chart
        );
    }
}

#[test]
fn building_a_lesson_again_gives_the_same_figure_and_caption() {
    for chart in [
        LessonChart::PkMetabolites,
        LessonChart::ToleranceDoseResponse,
    ] {
        let again = lesson(model(), chart).expect("builds");
        let first = lessons().iter().find(|l| l.chart == chart).expect("built");
        assert_eq!(&again, first, "{chart}");
    }
}

#[test]
fn charts_render_at_every_size() {
    let fig = &lessons()[0].figure;
    for size in ["slide", "print", "960x540", "1200x1200"] {
        let size: Size = size.parse().expect("a valid size");
        let svg = render_svg(fig, size).expect("renders");
        let c = size.canvas();
        assert!(svg.contains(&format!("width=\"{}\"", c.width)), "{size}");
    }
}

#[test]
fn the_png_pixels_are_deterministic_and_not_blank() {
    let fig = &lessons()[1].figure;
    let size = Size::Custom {
        width: 800,
        height: 450,
    };
    let a = render_rgb(fig, size).expect("renders");
    let b = render_rgb(fig, size).expect("renders again");
    assert_eq!(a.len(), 800 * 450 * 3);
    assert!(a == b);
    let inked = a.chunks(3).filter(|p| p != &[255, 255, 255]).count();
    assert!(inked > 800 * 450 / 20, "only {inked} non-white pixels");
}

#[test]
fn every_chart_has_a_takeaway_title_and_the_disclaimer() {
    for l in lessons() {
        assert!(l.figure.title.len() > 20, "{}: {}", l.chart, l.figure.title);
        assert!(l.figure.footer.starts_with(DISCLAIMER), "{}", l.chart);
        assert!(!l.figure.subtitle.is_empty(), "{}", l.chart);
    }
}

#[test]
fn every_axis_names_its_unit() {
    for l in lessons() {
        for col in &l.figure.columns {
            for p in &col.panels {
                for axis in [&p.x, &p.y] {
                    assert!(
                        axis.label.contains('(') && axis.label.contains(')'),
                        "{} / {}: axis \"{}\" has no unit in brackets",
                        l.chart,
                        p.title,
                        axis.label
                    );
                    assert!(
                        axis.min < axis.max,
                        "{}: empty axis {}",
                        l.chart,
                        axis.label
                    );
                    // A categorical axis (the tornado chart's parameters) has no ticks: its
                    // rows are named by notes instead, one per row at least.
                    let categorical =
                        axis.ticks.is_empty() && p.notes.len() as f64 >= axis.max - axis.min - 1.0;
                    assert!(
                        !axis.ticks.is_empty() || categorical,
                        "{}: no ticks on {}",
                        l.chart,
                        axis.label
                    );
                }
            }
        }
    }
}

/// Sentences end with a full stop followed by a space or the end (numbers such as 0.80 do not).
fn sentences(text: &str) -> usize {
    text.split(". ").filter(|s| !s.trim().is_empty()).count()
}

#[test]
fn captions_have_two_to_four_sentences_and_name_their_scenario() {
    for l in lessons() {
        let n = sentences(&l.caption);
        assert!(
            (2..=4).contains(&n),
            "{}: {n} sentences: {}",
            l.chart,
            l.caption
        );
        assert!(l.caption.ends_with('.'), "{}", l.chart);
        // A quoted regimen: a backtick followed by an amount.
        assert!(
            l.caption
                .split('`')
                .skip(1)
                .step_by(2)
                .any(|q| q.starts_with(|c: char| c.is_ascii_digit())),
            "{}: the caption does not quote its scenario: {}",
            l.chart,
            l.caption
        );
        assert!(
            !l.caption.contains("NaN") && !l.caption.contains("inf"),
            "{}",
            l.chart
        );
        assert!(!l.figure.title.contains("NaN"), "{}", l.chart);
    }
}

/// Every colour a chart may use: the quantity colours, shades of them, the route colours and the
/// grey reference.
fn palette() -> Vec<Rgb> {
    let quantities = [
        Quantity::Heroin,
        Quantity::Mam6,
        Quantity::Morphine,
        Quantity::Activation,
        Quantity::Dopamine,
        Quantity::Tolerance,
        Quantity::Dependence,
        Quantity::Withdrawal,
        Quantity::Breathing,
        Quantity::Wanting,
        Quantity::Craving,
    ];
    let mut colors = vec![REFERENCE];
    for q in quantities {
        for n in 1..=8 {
            colors.extend(shades(q.color(), n));
        }
    }
    colors.extend(Route::ALL.map(route_color));
    colors
}

fn series_of<'a>(l: &'a Lesson, panel_title: &str) -> &'a [Series] {
    l.figure
        .columns
        .iter()
        .flat_map(|c| &c.panels)
        .find(|p| p.title == panel_title)
        .map(|p| p.series.as_slice())
        .unwrap_or_else(|| panic!("{}: no panel \"{panel_title}\"", l.chart))
}

#[test]
fn one_quantity_has_one_colour_in_every_chart() {
    let allowed = palette();
    for l in lessons() {
        for col in &l.figure.columns {
            for p in &col.panels {
                for s in &p.series {
                    assert!(
                        allowed.contains(&s.color),
                        "{} / {}: colour {} is not in the palette",
                        l.chart,
                        p.title,
                        s.color.hex()
                    );
                }
            }
        }
    }
    // Stricter: a panel about one quantity uses only that quantity's colour family (its shades,
    // the route colours for activation) and the grey of the drug-naive reference.
    let family = |q: Quantity| -> Vec<Rgb> {
        let mut f = vec![REFERENCE];
        for n in 1..=8 {
            f.extend(shades(q.color(), n));
        }
        if q == Quantity::Activation {
            f.extend(Route::ALL.map(route_color));
        }
        f
    };
    let quantity_of = |title: &str| -> Option<Quantity> {
        let t = title.to_lowercase();
        [
            ("activation", Quantity::Activation),
            ("dopamine", Quantity::Dopamine),
            ("tolerance", Quantity::Tolerance),
            ("dependence", Quantity::Dependence),
            ("withdrawal", Quantity::Withdrawal),
            ("breathing", Quantity::Breathing),
        ]
        .into_iter()
        .find(|(k, _)| t.contains(k))
        .map(|(_, q)| q)
    };
    let mut checked = 0;
    for l in lessons() {
        for p in l.figure.columns.iter().flat_map(|c| &c.panels) {
            let Some(q) = quantity_of(&p.title) else {
                continue;
            };
            for s in &p.series {
                assert!(
                    family(q).contains(&s.color),
                    "{} / {}: colour {} is not a shade of {q:?}",
                    l.chart,
                    p.title,
                    s.color.hex()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} series were checked");
    let get = |c: LessonChart| lessons().iter().find(|l| l.chart == c).expect("built");
    let headline = get(LessonChart::SingleVsRepeated);
    for (panel, q) in [
        ("MOR activation", Quantity::Activation),
        ("Dependence (counter-adaptation)", Quantity::Dependence),
        ("Withdrawal score", Quantity::Withdrawal),
    ] {
        assert!(series_of(headline, panel)
            .iter()
            .all(|s| s.color == q.color()));
    }
    let pk = get(LessonChart::PkMetabolites);
    let pk_series = series_of(pk, "Plasma concentration");
    assert_eq!(pk_series.len(), 3, "heroin, 6-MAM and morphine");
    for s in pk_series {
        let m = model();
        let (i, sp) = m
            .species
            .iter()
            .enumerate()
            .find(|(_, sp)| s.label.as_deref() == Some(sp.label.as_str()))
            .expect("a species");
        assert_eq!(s.color, species_color(&sp.name, i), "{}", sp.name);
    }
    let relapse = get(LessonChart::RecoveryAndRelapse);
    assert_eq!(
        series_of(relapse, "Withdrawal score")[0].color,
        Quantity::Withdrawal.color()
    );
    assert_eq!(
        series_of(relapse, "Tolerance (potency shift)")[0].color,
        Quantity::Tolerance.color()
    );
    let plot = plot_figure(
        model(),
        "t",
        &Regimen::parse("10mg iv q8h x 2d").expect("regimen"),
        48.0,
    )
    .expect("plot");
    let panels = &plot.columns[0].panels;
    assert_eq!(panels[1].series[0].color, Quantity::Activation.color());
    assert_eq!(panels[2].series[0].color, Quantity::Dopamine.color());
    assert_eq!(panels[3].series[0].color, Quantity::Wanting.color());
    assert_eq!(panels[3].series[1].color, Quantity::Craving.color());
    assert_eq!(panels[4].series[0].color, Quantity::Breathing.color());
    assert_eq!(panels[5].series[0].color, Quantity::Tolerance.color());
    assert_eq!(panels[6].series[0].color, Quantity::Withdrawal.color());
}

#[test]
fn the_headline_chart_says_what_the_model_shows() {
    let headline = &lessons()[0];
    assert_eq!(headline.chart, LessonChart::SingleVsRepeated);
    // The title's verdicts come from the peak scores the model gives.
    let one = opioid_sim::simulation::summarize(
        model(),
        &Regimen::parse("10mg iv").expect("regimen"),
        27.0 * 24.0,
    )
    .expect("runs");
    assert!(
        headline.figure.title.starts_with("One dose: no withdrawal")
            == (one.peak_withdrawal_score < 5.0),
        "{} (single-dose peak {})",
        headline.figure.title,
        one.peak_withdrawal_score
    );
    let withdrawal = &headline.figure.columns[1].panels[2];
    assert!(withdrawal.bands.len() >= 3, "the COWS bands are shaded");
    assert!(withdrawal.bands.iter().all(|b| b.label.is_some()));
    assert!(!withdrawal.vlines.is_empty(), "the last dose is marked");
}

fn panel_of<'a>(l: &'a Lesson, panel_title: &str) -> &'a Panel {
    l.figure
        .columns
        .iter()
        .flat_map(|c| &c.panels)
        .find(|p| p.title == panel_title)
        .unwrap_or_else(|| panic!("{}: no panel \"{panel_title}\"", l.chart))
}

#[test]
fn the_drug_charts_compare_what_they_say() {
    let get = |c: LessonChart| lessons().iter().find(|l| l.chart == c).expect("built");

    let naloxone = get(LessonChart::NaloxoneChallenge);
    // Three challenges and the long user without naloxone.
    assert_eq!(series_of(naloxone, "Withdrawal score").len(), 4);
    let added = panel_of(naloxone, "Withdrawal added by naloxone");
    assert_eq!(added.y.scale, Scale::Log10);
    assert_eq!(added.series.len(), 3);
    // The title's numbers are the peaks marked in the panel.
    if naloxone.figure.title.contains("after one dose") {
        for note in &added.notes {
            assert!(
                naloxone.figure.title.contains(&note.text),
                "{} not in: {}",
                note.text,
                naloxone.figure.title
            );
        }
    }
    for scenario in ["naloxone im`", "naloxone iv`"] {
        assert!(naloxone.caption.contains(scenario), "{}", naloxone.caption);
    }

    let methadone = get(LessonChart::MethadoneVsHeroin);
    assert_eq!(
        series_of(methadone, "Withdrawal score after the last dose").len(),
        2
    );
    let relief = panel_of(methadone, "Withdrawal score");
    assert_eq!(relief.series.len(), 2, "with and without methadone");
    // The methadone dose: 28 h after the end of 14 days of q8h is 36 h after the last dose.
    assert_eq!(relief.vlines.len(), 1);
    assert!(
        (relief.vlines[0].at - 1.5).abs() < 1e-9,
        "{}",
        relief.vlines[0].at
    );
    assert!(methadone
        .caption
        .contains("`60mg methadone oral q24h x 28d`"));

    let buprenorphine = get(LessonChart::BuprenorphineInduction);
    let occupancy = panel_of(buprenorphine, "MOR occupancy and activation");
    let pet = occupancy
        .markers
        .iter()
        .find(|m| m.label.as_deref().is_some_and(|l| l.contains("PET")))
        .expect("the PET points");
    assert_eq!(pet.points, vec![(2.0, 0.41), (16.0, 0.80), (32.0, 0.84)]);
    for (_, y) in occupancy.series.iter().flat_map(|s| &s.points) {
        assert!((0.0..=1.0).contains(y), "a fraction: {y}");
    }
    let induction = panel_of(buprenorphine, "Withdrawal score");
    assert_eq!(induction.series.len(), 3, "none, too early, in withdrawal");
    let starts: Vec<f64> = induction.vlines.iter().map(|r| r.at).collect();
    assert_eq!(starts, vec![2.0, 36.0], "hours after the last heroin dose");
    assert!(buprenorphine
        .caption
        .contains("8mg buprenorphine sublingual`"));
}

/// A small fixed figure that exercises every element (log axis, bands, spans, rules, dashes,
/// markers, notes, dose ticks, legends, two columns): the hash of its SVG is pinned, so any
/// change in the renderer's output fails a test.
fn synthetic_figure() -> Figure {
    let t: Vec<f64> = (0..=200).map(|i| f64::from(i) * 0.05).collect();
    let wave: Vec<(f64, f64)> = t
        .iter()
        .map(|&x| (x, 0.5 + 0.4 * (x * 1.3).sin()))
        .collect();
    let decay: Vec<(f64, f64)> = t.iter().map(|&x| (x, 1000.0 * (-x).exp())).collect();
    let mut a = Panel::new(
        "Wave",
        Axis::linear("time (h)", 0.0, 10.0, 2.0),
        Axis::linear("level (0-1)", 0.0, 1.0, 0.25),
    );
    a.series.push(Series::of(
        Quantity::Activation,
        Some("wave".into()),
        wave.clone(),
    ));
    a.series.push(Series {
        dash: Dash::Dashed,
        ..Series::line(
            Some("shifted".into()),
            REFERENCE,
            Dash::Dashed,
            wave.iter().map(|&(x, y)| (x, y * 0.5)).collect(),
        )
    });
    a.hlines.push(Rule::new(0.5, Some("half".into())));
    a.vlines.push(Rule::new(6.0, Some("stop".into())));
    a.dose_ticks = vec![0.0, 2.0, 4.0, 6.0];
    a.notes.push(
        Note::new("a peak", (1.2, 0.9), Anchor::AboveRight).marked(Quantity::Activation.color()),
    );
    a.x_labels = false;
    let mut b = Panel::new(
        "Decay",
        Axis::linear("time (h)", 0.0, 10.0, 2.0),
        Axis::log("amount (ng/mL, log)", 0.01, 2000.0),
    );
    b.series.push(Series::line(
        Some("decay".into()),
        Quantity::Mam6.color(),
        Dash::Dotted,
        decay,
    ));
    b.markers.push(Markers {
        label: Some("points".into()),
        color: Quantity::Dependence.color(),
        shape: Shape::Square,
        points: vec![(1.0, 100.0), (3.0, 10.0)],
    });
    let mut c = Panel::new(
        "Score",
        Axis::linear("time (days)", 0.0, 10.0, 5.0),
        Axis::cows("COWS score (0-48)", 20.0),
    )
    .with_cows_bands();
    c.series.push(Series::of(
        Quantity::Withdrawal,
        None,
        t.iter().map(|&x| (x, 2.0 * x)).collect(),
    ));
    c.spans.push(opioid_sim::chart::figure::Span {
        from: 0.0,
        to: 3.0,
        fill: opioid_sim::chart::style::SPAN_FILL,
        label: Some("use".into()),
    });
    c.bands.push(HBand {
        lo: 0.0,
        hi: 0.0,
        fill: Rgb(0, 0, 0),
        label: None,
    });
    Figure {
        title: "A fixed figure for the golden test".into(),
        subtitle: "Every element once.".into(),
        columns: vec![
            Column {
                heading: Some("Left".into()),
                weight: 1.5,
                panels: vec![a, b],
            },
            Column {
                heading: Some("Right".into()),
                weight: 1.0,
                panels: vec![c],
            },
        ],
        footer: format!("{DISCLAIMER} Test figure."),
    }
}

/// FNV-1a hash and length of the SVG of [`synthetic_figure`] at slide size.
const GOLDEN_SVG: (u64, usize) = (0xfa1a_70f8_9c26_be71, 40647);

#[test]
fn the_renderer_matches_its_golden_hash() {
    let svg = render_svg(&synthetic_figure(), Size::Slide).expect("renders");
    if let Some(path) = std::env::var_os("SAVE_SYNTHETIC_SVG") {
        let path = PathBuf::from(path);
        std::fs::write(&path, &svg).expect("saved");
        write_chart(
            &synthetic_figure(),
            Size::Slide,
            &path.with_extension("png"),
        )
        .expect("saved");
    }
    assert!(
        (fnv(svg.as_bytes()), svg.len()) == GOLDEN_SVG,
        "the SVG of the fixed figure changed: hash {:#x}, {} bytes (expected {:#x}, {} bytes). If the change is intended, look at it (SAVE_SYNTHETIC_SVG=/tmp/f.svg cargo test --test charts golden writes it, and a PNG beside it) and update GOLDEN_SVG.",
        fnv(svg.as_bytes()),
        svg.len(),
        GOLDEN_SVG.0,
        GOLDEN_SVG.1
    );
}

#[test]
fn the_pack_has_every_chart_and_an_index_that_names_them() {
    let dir = scratch("pack");
    let size = Size::Custom {
        width: 800,
        height: 450,
    };
    let written = write_lesson(model(), &dir, size, &LessonChart::ALL).expect("writes");
    let mut expected: Vec<String> = LessonChart::ALL
        .iter()
        .flat_map(|c| [format!("{}.png", c.name()), format!("{}.svg", c.name())])
        .collect();
    expected.push("README.md".into());
    expected.sort();
    assert_eq!(files_in(&dir), expected, "and no temporary files");
    assert_eq!(written.len(), expected.len());
    for f in &written {
        assert!(
            std::fs::metadata(f).expect("written").len() > 1000,
            "{}",
            f.display()
        );
    }
    let png = std::fs::read(dir.join("routes.png")).expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let index = std::fs::read_to_string(dir.join("README.md")).expect("index");
    assert!(index.contains(DISCLAIMER));
    for l in lessons() {
        let name = l.chart.name();
        assert!(index.contains(&format!("]({name}.png)")), "{name}");
        assert!(index.contains(&format!("({name}.svg)")), "{name}");
        assert!(index.contains(&l.caption), "{name}");
        assert!(index.contains(l.chart.heading()), "{name}");
    }
    assert_eq!(index, index_markdown(lessons(), model()));
}

#[test]
fn writing_the_pack_twice_gives_the_same_bytes() {
    let size = Size::Custom {
        width: 800,
        height: 450,
    };
    let charts = [LessonChart::Routes, LessonChart::WithdrawalVsDuration];
    let (a, b) = (scratch("twice-a"), scratch("twice-b"));
    write_lesson(model(), &a, size, &charts).expect("writes");
    write_lesson(model(), &b, size, &charts).expect("writes again");
    assert_eq!(files_in(&a), files_in(&b));
    assert_eq!(files_in(&a).len(), 4, "no index for a partial pack");
    for name in files_in(&a) {
        let (x, y) = (
            std::fs::read(a.join(&name)).expect("read"),
            std::fs::read(b.join(&name)).expect("read"),
        );
        assert!(x == y, "{name} differs between runs");
    }
}

#[test]
fn sizes_are_parsed_strictly() {
    for (text, w, h) in [
        ("slide", 1600, 900),
        ("print", 2400, 1500),
        ("SLIDE", 1600, 900),
        ("1200x800", 1200, 800),
        ("960x960", 960, 960),
    ] {
        let c = text.parse::<Size>().expect(text).canvas();
        assert_eq!((c.width, c.height), (w, h), "{text}");
    }
    for bad in [
        "",
        "huge",
        "1200",
        "1200x",
        "x800",
        "1200x800x3",
        "10x10",
        "99999x800",
        "3000x800",
        "-1200x800",
        "1200.5x800",
        "1200 x 800",
        "0x0",
        "+1200x800",
    ] {
        match bad.parse::<Size>() {
            Err(ChartError::InvalidSize { given, expected }) => {
                assert_eq!(given, bad);
                assert!(expected.contains("slide") && expected.contains("print"));
            }
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
}

#[test]
fn chart_names_are_the_file_names() {
    let names: Vec<&str> = LessonChart::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "single-vs-repeated",
            "wanting-vs-dependence",
            "rush-teaches-wanting",
            "pk-metabolites",
            "routes",
            "dopamine-repeated",
            "tolerance-dose-response",
            "withdrawal-vs-duration",
            "dependence-threshold",
            "who-becomes-dependent",
            "first-use-to-dependence",
            "recovery-and-relapse",
            "naloxone-challenge",
            "methadone-vs-heroin",
            "buprenorphine-induction",
            "overdose-after-abstinence",
            "tolerance-by-effect",
            "naloxone-rescue",
            "people-differ",
            "parameter-sensitivity"
        ]
    );
    for c in LessonChart::ALL {
        assert_eq!(c.name().parse::<LessonChart>().expect("parses"), c);
    }
    match "single-vs-repeat".parse::<LessonChart>() {
        Err(e @ ChartError::UnknownChart { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("single-vs-repeat") && msg.contains("recovery-and-relapse"),
                "{msg}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_folder_is_an_error_and_writes_nothing() {
    let dir = scratch("missing");
    let fig = &lessons()[1].figure;
    let target = dir.join("no/such/folder/chart.png");
    match write_chart(fig, Size::Slide, &target) {
        Err(ChartError::Output(OutputError::MissingFolder { folder, .. })) => {
            assert!(folder.ends_with("folder"), "{folder}");
        }
        other => panic!("{other:?}"),
    }
    let pack = dir.join("no/such/pack");
    match write_lesson(model(), &pack, Size::Slide, &[LessonChart::Routes]) {
        Err(ChartError::Output(OutputError::MissingFolder { .. })) => {}
        other => panic!("{other:?}"),
    }
    assert!(files_in(&dir).is_empty());
}

#[test]
fn an_unknown_image_type_is_an_error() {
    let dir = scratch("type");
    let fig = &lessons()[1].figure;
    for name in ["chart.jpg", "chart", "chart.png.txt"] {
        match write_chart(fig, Size::Slide, &dir.join(name)) {
            Err(e @ ChartError::UnsupportedFormat { .. }) => {
                assert!(e.to_string().contains(".png or .svg"), "{e}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(files_in(&dir).is_empty());
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_is_an_error_and_leaves_no_temporary_files() {
    let dir = scratch("read-only");
    let target = common::unwritable_folder(&dir);
    let fig = &lessons()[1].figure;
    for name in ["chart.png", "chart.svg"] {
        match write_chart(fig, Size::Slide, &target.join(name)) {
            Err(e @ ChartError::Output(OutputError::Io { .. })) => {
                assert!(e.to_string().contains(name), "{e}");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(!target.join(name).exists());
    }
    assert!(write_lesson(model(), &target, Size::Slide, &[LessonChart::Routes]).is_err());
    assert!(files_in(&dir).is_empty());
    common::make_writable(&dir);
}

#[test]
fn plot_charts_any_schedule() {
    for (text, observe_h) in [
        ("10mg iv", 12.0),
        ("10mg iv q8h x 3d then wait 2d then 10mg smoked", 48.0),
        ("10mg oral q12h x 2d", 24.0),
        ("10mg morphine iv q6h x 1d", 10.0),
    ] {
        let regimen = Regimen::parse(text).expect("regimen");
        let fig = plot_figure(model(), text, &regimen, observe_h).expect("plot builds");
        let panels = &fig.columns[0].panels;
        assert_eq!(panels.len(), 7, "{text}");
        // One line per species the regimen puts in the blood, and no other.
        let labels: Vec<&str> = panels[0]
            .series
            .iter()
            .filter_map(|s| s.label.as_deref())
            .collect();
        let expected: &[&str] = match text {
            "10mg oral q12h x 2d" | "10mg morphine iv q6h x 1d" => &["morphine"],
            _ => &["heroin", "6-MAM", "morphine"],
        };
        assert_eq!(labels, expected, "{text}");
        let last = panels.iter().filter(|p| !p.vlines.is_empty()).count();
        assert_eq!(last, 7, "{text}: the last dose is marked in every panel");
        assert!(panels[0].vlines[0].label.is_some());
        assert_eq!(panels[6].dose_ticks.len(), regimen.doses().len());
        assert!(panels
            .iter()
            .all(|p| p.x.min == 0.0 && p.x.max == panels[0].x.max));
        let svg = render_svg(&fig, Size::Slide).expect("renders");
        assert!(svg.contains("Teaching model, not medical advice"));
    }
}

/// The README's chart table names every lesson chart, in teaching order (the chart table in
/// `src/chart/lesson/mod.rs` is the one list; this keeps the README's copy of it complete).
#[test]
fn the_readme_chart_table_lists_every_lesson_chart_in_order() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut from = 0;
    for chart in LessonChart::ALL {
        let row = format!("| `{}` |", chart.name());
        let at = readme[from..]
            .find(&row)
            .unwrap_or_else(|| panic!("README.md's chart table lacks or misorders {row}"));
        from += at + row.len();
    }
}
