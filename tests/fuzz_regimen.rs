//! Property-based tests of the regimen reader, the text a student types: more than 100,000
//! generated strings per `cargo test`, from two generators.
//!
//! - **Near-grammar text**: phrases built from the grammar's own pieces (amounts, units, drug
//!   names, routes, `q`, `x`, `wait`, `taper`, `then`, `+`), with random case, spacing, numbers and
//!   the occasional wrong or foreign token, so that most strings are valid or almost valid.
//! - **Arbitrary text**: any Unicode, including control characters, `İ` and other characters
//!   whose case mapping changes length.
//!
//! For every string: no panic; an error is one non-empty line whose column (if any) is inside
//! the text or just after it; a regimen that reads keeps every limit and its `describe()`
//! reads back exactly, to the same regimen and the same text. The runs are deterministic (a
//! fixed seed, no failure files), so CI sees the same cases every time.

use opioid_sim::regimen::{Regimen, MAX_DOSES, MAX_DOSE_MG, MAX_SPAN_DAYS, MAX_TEXT_CHARS};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(14),
        ..Config::default()
    }
}

/// Checks every property of one string.
fn check(text: &str) {
    match Regimen::parse(text) {
        Ok(regimen) => {
            let doses = regimen.doses();
            assert!(!doses.is_empty() || regimen.span_h() > 0.0, "{text:?}");
            assert!(doses.len() <= MAX_DOSES, "{text:?}");
            assert!(
                regimen.span_h() <= MAX_SPAN_DAYS * 24.0 * (1.0 + 1e-9),
                "{text:?}"
            );
            for pair in doses.windows(2) {
                assert!(pair[0].time_h <= pair[1].time_h, "sorted: {text:?}");
            }
            for d in doses {
                assert!(d.amount_mg > 0.0 && d.amount_mg <= MAX_DOSE_MG, "{text:?}");
                assert!(d.time_h.is_finite() && d.time_h >= 0.0, "{text:?}");
                assert!(d.drug.is_ascii(), "{text:?}");
            }
            // Irregular use drawn from any numbers keeps the limits and the order, and never adds
            // a dose.
            for extreme in [0.0, 0.999_999_999_999] {
                let drawn = regimen.realize(&mut || extreme);
                assert!(drawn.doses().len() <= doses.len(), "{text:?}");
                assert_eq!(drawn.describe(), regimen.describe(), "{text:?}");
                for pair in drawn.doses().windows(2) {
                    assert!(pair[0].time_h <= pair[1].time_h, "sorted draw: {text:?}");
                }
                for d in drawn.doses() {
                    assert!(d.amount_mg > 0.0 && d.amount_mg <= MAX_DOSE_MG, "{text:?}");
                    assert!(d.time_h.is_finite() && d.time_h >= 0.0, "{text:?}");
                }
            }
            let described = regimen.describe();
            let again = Regimen::parse(&described)
                .unwrap_or_else(|e| panic!("describe() of {text:?} is {described:?}: {e}"));
            assert_eq!(again, regimen, "describe() of {text:?} reads back");
            assert_eq!(
                again.describe(),
                described,
                "describe() is stable: {text:?}"
            );
        }
        Err(error) => {
            let message = error.to_string();
            assert!(!message.is_empty(), "{text:?}");
            assert!(!message.contains('\n'), "one line for {text:?}: {message}");
            assert!(!message.contains('\r'), "one line for {text:?}: {message}");
            assert!(
                message.len() < 1000,
                "a bounded message for {text:?}: {message}"
            );
            if let Some(column) = error.column() {
                assert!(
                    column >= 1 && column <= text.chars().count() + 1,
                    "column {column} of {text:?}: {message}"
                );
            }
        }
    }
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..2000).prop_map(|n| n.to_string()),
        (0u32..200, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        (0u32..100).prop_map(|b| format!(".{b}")),
        Just("0".to_string()),
        Just("1000.0000001".to_string()),
        Just("99999999999999999999".to_string()),
        Just("1e3".to_string()),
        Just("-5".to_string()),
        Just("1.2.3".to_string()),
    ]
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["mg", "ug", "µg", "mcg", "g", "m", "min", "h", "hr", "d", "days", "w", "weeks"]),
        4 => prop::sample::select(vec!["iv", "smoked", "intranasal", "oral", "im", "sublingual", "ivv", "intra"]),
        3 => prop::sample::select(vec!["heroin", "morphine", "naloxone", "methadone", "buprenorphine", "fentanyl", "cocaine", "İbo", "x-1_y"]),
        3 => prop::sample::select(vec!["then", "wait", "q", "x", "taper", "over", "to", "dose", "doses", "skip"]),
        1 => prop::sample::select(vec![",", ";", "+", "-", "(", "\t", "\n", "🙂", "ǅ", "ß", "ﬀ", "~", "%", "~~", "%%"]),
    ]
    .prop_map(str::to_string)
}

/// One near-grammar phrase, e.g. `10mg heroin iv q8h x 14d`.
fn phrase() -> impl Strategy<Value = String> {
    let dose = || (number(), word(), prop::option::of(word()), word());
    prop_oneof![
        dose().prop_map(|(n, unit, drug, route)| format!(
            "{n}{unit} {} {route}",
            drug.unwrap_or_default()
        )),
        (dose(), number(), word(), number(), word()).prop_map(|((n, u, drug, r), i, iu, c, cu)| {
            format!("{n}{u} {} {r} q{i}{iu} x {c}{cu}", drug.unwrap_or_default())
        }),
        // Irregular use: `~` on the amount and the interval, `skip` after the repeat.
        (
            dose(),
            number(),
            number(),
            word(),
            number(),
            number(),
            word()
        )
            .prop_map(|((n, u, drug, r), spread, i, iu, j, skip, sign)| {
                format!(
                    "{n}{u}~{spread}% {} {r} q{i}{iu}~{j}{iu} x 3d skip {skip}{sign}",
                    drug.unwrap_or_default()
                )
            }),
        (number(), word()).prop_map(|(n, u)| format!("wait {n}{u}")),
        (number(), number(), number(), number())
            .prop_map(|(a, i, o, b)| { format!("taper {a}mg iv q{i}h over {o}d to {b}mg") }),
        word(),
    ]
}

/// A regimen-like string: phrases joined by `then` or `+` (or by a stray word), with random
/// case.
fn near_grammar() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((phrase(), prop::bool::weighted(0.25)), 1..5),
        prop::bool::ANY,
        prop::option::of(word()),
    )
        .prop_map(|(phrases, upper, stray)| {
            let mut text = String::new();
            for (i, (phrase, plus)) in phrases.iter().enumerate() {
                if i > 0 {
                    text.push_str(if *plus { " + " } else { " then " });
                }
                text.push_str(phrase);
            }
            if let Some(w) = stray {
                text.push(' ');
                text.push_str(&w);
            }
            if upper {
                text = text.to_uppercase();
            }
            text
        })
}

proptest! {
    #![proptest_config(config(70_000))]
    #[test]
    fn near_grammar_text_reads_or_fails_cleanly(text in near_grammar()) {
        check(&text);
    }
}

proptest! {
    #![proptest_config(config(40_000))]
    #[test]
    fn arbitrary_text_reads_or_fails_cleanly(text in "\\PC{0,60}|.{0,60}|[0-9a-zİı.µ ]{0,40}") {
        check(&text);
    }
}

/// Valid regimens only, to make sure the round trip is exercised on many successes, not only
/// on errors.
fn valid() -> impl Strategy<Value = String> {
    let amount = (1u32..1000, prop::sample::select(vec!["mg", "mcg", "ug"]))
        .prop_map(|(n, u)| format!("{}{u}", if u == "mg" { n.min(900) } else { n }));
    let drug_route = prop::sample::select(vec![
        "iv",
        "heroin smoked",
        "morphine oral",
        "naloxone intranasal",
        "methadone oral",
        "buprenorphine sublingual",
        "fentanyl iv",
        "fentanyl smoked",
    ]);
    let phase = prop_oneof![
        (amount.clone(), drug_route.clone()).prop_map(|(a, r)| format!("{a} {r}")),
        // Doses taken together, joined by `+`.
        prop::collection::vec((amount.clone(), drug_route.clone()), 2..4).prop_map(|doses| {
            doses
                .iter()
                .map(|(a, r)| format!("{a} {r}"))
                .collect::<Vec<_>>()
                .join(" + ")
        }),
        (amount.clone(), drug_route.clone(), 1u32..48, 1u32..20)
            .prop_map(|(a, r, i, d)| format!("{a} {r} q{i}h x {d}d")),
        // Irregular use: a spread below 12% keeps 900 mg within the limit; jitter below half
        // the interval and below the time from the last planned dose to the phase's end.
        (
            amount.clone(),
            1u32..12,
            drug_route,
            2u32..48,
            1u32..20,
            1u32..100,
            1u32..100
        )
            .prop_map(|(a, spread, r, i, d, j, skip)| {
                let (every, span) = (f64::from(i), f64::from(d) * 24.0);
                let room = span - ((span / every).ceil() - 1.0) * every;
                let jitter =
                    (f64::from(j) / 100.0 * room.min(every / 2.0) * 1000.0).floor() / 1000.0;
                format!("{a}~{spread}% {r} q{i}h~{jitter:.3}h x {d}d skip {skip}%")
            }),
        (1u32..30).prop_map(|d| format!("wait {d}d")),
        (1u32..100, 1u32..100).prop_map(|(a, b)| format!("taper {a}mg iv q8h over 5d to {b}mg")),
    ];
    prop::collection::vec(phase, 1..6).prop_map(|p| p.join(" then "))
}

proptest! {
    #![proptest_config(config(5_000))]
    #[test]
    fn valid_regimens_read_back_exactly(text in valid()) {
        check(&text);
        // Single doses at one moment may add up past the limit; everything else reads.
        if let Err(e) = Regimen::parse(&text) {
            let message = e.to_string();
            prop_assert!(
                message.contains("one moment") || message.contains("days"),
                "{text:?}: {message}"
            );
        }
    }
}

#[test]
fn the_text_limit_is_the_documented_one() {
    let at_limit = format!("{:<width$}", "10mg iv", width = MAX_TEXT_CHARS);
    assert!(Regimen::parse(&at_limit).is_ok());
    let over = format!("{at_limit} ");
    let message = Regimen::parse(&over)
        .expect_err("over the limit")
        .to_string();
    assert!(message.contains(&MAX_TEXT_CHARS.to_string()), "{message}");
}
