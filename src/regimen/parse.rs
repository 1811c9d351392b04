//! The recursive-descent parser: tokens to phases, checking each number as it
//! is read (the limits that need the whole regimen are checked in `mod.rs`).

use super::lex::{lex, Kind, Token};
use super::phase::{Amount, Duration, MassUnit, Percent, Phase, Repeat, Schedule, TimeUnit};
use super::{
    RegimenError, Route, UnitKind, DEFAULT_DRUG, MAX_DOSES, MAX_DOSE_MG, MIN_INTERVAL_MIN,
};

type Result<T> = std::result::Result<T, RegimenError>;

/// Words with a meaning in the grammar; none can be a drug name.
const KEYWORDS: [&str; 8] = ["then", "wait", "q", "x", "taper", "over", "to", "skip"];

const PHASE_EXAMPLES: &str =
    "a dose such as 10mg iv, a repeat such as 10mg iv q8h x 14d, or a pause such as wait 21d";
const JOINED_DOSE: &str =
    "a single dose after '+', e.g. 10mg heroin iv + 0.5mg fentanyl iv (doses joined by '+' are taken at one moment: no repeat, wait or taper)";
const TAPER_EXAMPLE: &str = "e.g. taper 100mg heroin iv q8h over 14d to 10mg";
const IRREGULAR_EXAMPLE: &str = "e.g. 10mg~40% iv q8h~2h x 14d skip 20%";

pub(super) fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// A phase with where it was written, for errors found later.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ParsedPhase {
    pub phase: Phase,
    /// 1-based column of the phase's first char.
    pub column: usize,
    /// The phase as typed.
    pub text: String,
    /// Joined to the phase before by `+`: a single dose taken at the same moment.
    pub together: bool,
}

/// Reads `input` into phases.
pub(super) fn parse(input: &str) -> Result<Vec<ParsedPhase>> {
    let mut parser = Parser {
        input,
        tokens: lex(input),
        pos: 0,
    };
    parser.regimen()
}

/// Reads `input` as one duration, e.g. `240h` or `10 days`.
pub(super) fn parse_duration(input: &str) -> Result<Duration> {
    let mut parser = Parser {
        input,
        tokens: lex(input),
        pos: 0,
    };
    let number = parser.number("a duration such as 240h, 10d or 30min")?;
    let duration = parser.duration(&number, &number)?;
    let end = parser.peek()?;
    if !matches!(end.kind, Kind::End) {
        return Err(parser.syntax(&end, "the end of the duration, e.g. 240h"));
    }
    Ok(duration)
}

struct Parser<'a> {
    input: &'a str,
    /// Never empty: ends with [`Kind::End`] or [`Kind::Bad`].
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    /// The next token; a token the lexer could not read is its error.
    fn peek(&self) -> Result<Token> {
        let index = self.pos.min(self.tokens.len().saturating_sub(1));
        match self.tokens.get(index) {
            Some(Token {
                kind: Kind::Bad(error),
                ..
            }) => Err(error.clone()),
            Some(token) => Ok(token.clone()),
            None => Err(RegimenError::Empty),
        }
    }

    /// Takes the next token (the final `End` is never passed).
    fn bump(&mut self) -> Result<Token> {
        let token = self.peek()?;
        if !matches!(token.kind, Kind::End) {
            self.pos += 1;
        }
        Ok(token)
    }

    /// The input from the start of `first` to the end of `last`.
    fn text(&self, first: &Token, last: &Token) -> String {
        self.input
            .get(first.start..last.end)
            .unwrap_or_default()
            .to_string()
    }

    fn syntax(&self, token: &Token, expected: &str) -> RegimenError {
        RegimenError::Syntax {
            column: token.column,
            found: self.text(token, token),
            expected: expected.to_string(),
        }
    }

    /// The input from the start of `first` to the end of the last token taken.
    fn text_from(&self, first: &Token) -> String {
        self.text(first, self.previous().unwrap_or(first))
    }

    /// The last token taken.
    fn previous(&self) -> Option<&Token> {
        self.pos
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index))
    }

    /// `regimen := group ( "then" group )*`, `group := dose ( "+" dose )* | phase`
    fn regimen(&mut self) -> Result<Vec<ParsedPhase>> {
        if matches!(self.peek()?.kind, Kind::End) {
            return Err(RegimenError::Empty);
        }
        let mut phases: Vec<ParsedPhase> = Vec::new();
        let mut together = false;
        loop {
            let mut phase = self.phase()?;
            let single_dose = matches!(phase.phase, Phase::Doses { schedule: None, .. });
            if together && !single_dose {
                return Err(RegimenError::Syntax {
                    column: phase.column,
                    found: phase.text,
                    expected: JOINED_DOSE.to_string(),
                });
            }
            phase.together = together;
            let after = self.peek()?;
            phases.push(phase);
            together = false;
            match &after.kind {
                Kind::End => return Ok(phases),
                Kind::Word(word) if word == "then" => {
                    self.bump()?;
                    if matches!(self.peek()?.kind, Kind::End) {
                        return Err(RegimenError::DanglingThen {
                            column: after.column,
                        });
                    }
                }
                Kind::Plus if single_dose => {
                    self.bump()?;
                    together = true;
                    let next = self.peek()?;
                    if !matches!(next.kind, Kind::Number(_)) {
                        return Err(self.syntax(&next, JOINED_DOSE));
                    }
                }
                Kind::Plus => {
                    return Err(self.syntax(
                        &after,
                        "'then' or the end of the regimen ('+' joins single doses taken together, e.g. 10mg heroin iv + 0.5mg fentanyl iv; a repeat, a wait or a taper cannot be joined)",
                    ))
                }
                _ if single_dose => {
                    return Err(self.syntax(
                        &after,
                        "'then', '+' and another dose, a repeat such as q8h x 14d, or the end of the regimen",
                    ))
                }
                _ => return Err(self.syntax(&after, "'then' or the end of the regimen")),
            }
        }
    }

    /// `phase := "wait" duration | dose [ schedule ] | taper`
    fn phase(&mut self) -> Result<ParsedPhase> {
        let first = self.peek()?;
        let phase = match &first.kind {
            Kind::Number(_) => self.doses()?,
            Kind::Word(word) if word == "wait" => self.wait()?,
            Kind::Word(word) if word == "taper" => self.taper()?,
            _ => return Err(self.syntax(&first, PHASE_EXAMPLES)),
        };
        Ok(ParsedPhase {
            phase,
            column: first.column,
            text: self.text_from(&first),
            together: false,
        })
    }

    /// `"wait" duration`
    fn wait(&mut self) -> Result<Phase> {
        let wait = self.bump()?;
        let number = self.number("a duration after wait, e.g. wait 21d")?;
        let duration = self.duration(&number, &number)?;
        if duration.value <= 0.0 {
            let found = self.text_from(&wait);
            return Err(RegimenError::ZeroWait {
                column: wait.column,
                found,
            });
        }
        Ok(Phase::Wait(duration))
    }

    /// `dose [ "q" duration [ "~" duration ] "x" ( duration | count ) [ "skip" percent ] ]`,
    /// with `dose := amount [ "~" percent ] [ drug ] route`.
    fn doses(&mut self) -> Result<Phase> {
        let first = self.peek()?;
        let (amount, amount_text) = self.amount("an amount such as 10mg")?;
        let spread = self.spread(&first, amount)?;
        let (drug, route) = self.drug_and_route(&amount_text)?;
        let next = self.peek()?;
        let schedule = if next.is_word("q") {
            let (q, every) = self.interval()?;
            let tilde = self.peek()?.clone();
            let jitter = self.jitter(every)?;
            let repeat = self.repeat(&q)?;
            if let Some(jitter) = jitter {
                self.late_dose_stays_in_phase(&tilde, every, jitter, repeat)?;
            }
            let skip = if self.peek()?.is_word("skip") {
                let skip = self.bump()?;
                Some(self.percent(&skip, "skip", "missed doses, e.g. skip 20%")?)
            } else {
                None
            };
            Some(Schedule {
                every,
                repeat,
                jitter,
                skip,
            })
        } else if next.is_word("x") {
            return Err(self.syntax(&next, "an interval before the repeat, e.g. q8h x 14d"));
        } else {
            None
        };
        Ok(Phase::Doses {
            amount,
            spread,
            drug,
            route,
            schedule,
        })
    }

    /// `[ "~" percent ]` after an amount: each dose up to that share more or less. The largest
    /// amount it allows must be within the dose limit.
    fn spread(&mut self, first: &Token, amount: Amount) -> Result<Option<Percent>> {
        let tilde = self.peek()?;
        if !matches!(tilde.kind, Kind::Tilde) {
            return Ok(None);
        }
        self.bump()?;
        let spread = self.percent(&tilde, "'~'", "how much a dose varies, e.g. 10mg~40%")?;
        let largest_mg = amount.mg() * (1.0 + spread.fraction());
        if largest_mg > MAX_DOSE_MG {
            let found = self.text_from(first);
            return Err(RegimenError::Irregular {
                column: first.column,
                found,
                problem: format!(
                    "with its spread a dose can reach {} mg, above the {MAX_DOSE_MG} mg limit; \
                     lower the amount or the spread",
                    super::error::short(largest_mg)
                ),
            });
        }
        Ok(Some(spread))
    }

    /// `[ "~" duration ]` after an interval: each dose after the first up to that much early or
    /// late; less than half the interval, so that doses keep their order.
    fn jitter(&mut self, every: Duration) -> Result<Option<Duration>> {
        let tilde = self.peek()?;
        if !matches!(tilde.kind, Kind::Tilde) {
            return Ok(None);
        }
        self.bump()?;
        let number = self.number(&format!(
            "how early or late a dose may be after '~', e.g. q8h~2h ({IRREGULAR_EXAMPLE})"
        ))?;
        let jitter = self.duration(&tilde, &number)?;
        let (jitter_h, every_h) = (jitter.hours(), every.hours());
        if !(jitter_h > 0.0 && jitter_h < every_h / 2.0) {
            let found = self.text_from(&tilde);
            return Err(RegimenError::Irregular {
                column: tilde.column,
                found,
                problem: format!(
                    "a dose can be early or late by more than 0 and less than half the interval \
                     (here q{every}: less than {}h), so that doses keep their order; e.g. q8h~2h",
                    super::error::short(every_h / 2.0)
                ),
            });
        }
        Ok(Some(jitter))
    }

    /// A late dose must stay inside its phase, so that it cannot come after the next phase's
    /// first dose: with `x <duration>` the last planned dose can lie less than an interval
    /// before the phase ends (`q8h~3h x 17h`: at 16 h, 1 h before the end).
    fn late_dose_stays_in_phase(
        &self,
        tilde: &Token,
        every: Duration,
        jitter: Duration,
        repeat: Repeat,
    ) -> Result<()> {
        let schedule = Schedule {
            every,
            repeat,
            jitter: Some(jitter),
            skip: None,
        };
        let (count, span_h) = schedule.count_and_span();
        let last_h = (count - 1) as f64 * every.hours();
        let room_h = span_h - last_h;
        if count < 2 || jitter.hours() < room_h - 1e-9 {
            // One dose is never moved (the first dose of a phase is on time).
            return Ok(());
        }
        let found = self.text_from(tilde);
        Err(RegimenError::Irregular {
            column: tilde.column,
            found,
            problem: format!(
                "the last dose is planned {}h before the phase ends, so a dose up to {jitter} \
                 late could come after the next phase starts; make the phase a whole number of \
                 intervals (e.g. x {}h) or the timing less than {}h",
                super::error::short(room_h),
                super::error::short(count as f64 * every.hours()),
                super::error::short(room_h)
            ),
        })
    }

    /// `number "%"`, more than 0 and less than 100, after `lead` (`~` or `skip`).
    fn percent(&mut self, lead: &Token, after: &str, example: &str) -> Result<Percent> {
        let number = self.number(&format!("a percentage after {after}: {example}"))?;
        let Kind::Number(value) = number.kind else {
            return Err(self.syntax(&number, "a number"));
        };
        let sign = self.peek()?;
        if !matches!(sign.kind, Kind::Percent) {
            return Err(self.syntax(&sign, &format!("'%' after the number: {example}")));
        }
        self.bump()?;
        if !(value > 0.0 && value < 100.0) {
            let found = self.text_from(lead);
            return Err(RegimenError::Irregular {
                column: lead.column,
                found,
                problem: format!(
                    "a percentage after {after} must be more than 0% and less than 100%: {example}"
                ),
            });
        }
        Ok(Percent(value))
    }

    /// A `~` where irregular use has no meaning (a taper): reported with what is accepted.
    fn no_irregularity(&self, what: &str) -> Result<()> {
        let token = self.peek()?;
        if matches!(token.kind, Kind::Tilde | Kind::Percent) || token.is_word("skip") {
            return Err(RegimenError::Irregular {
                column: token.column,
                found: self.text(&token, &token),
                problem: format!(
                    "irregular use ('~', 'skip') is written on doses and repeats, not on {what}: {IRREGULAR_EXAMPLE}"
                ),
            });
        }
        Ok(())
    }

    /// `"taper" amount [ drug ] route "q" duration "over" duration "to" amount`
    fn taper(&mut self) -> Result<Phase> {
        self.bump()?;
        let (from, from_text) = self.amount(&format!("an amount after taper, {TAPER_EXAMPLE}"))?;
        self.no_irregularity("a taper")?;
        let (drug, route) = self.drug_and_route(&from_text)?;
        let q = self.peek()?;
        if !q.is_word("q") {
            return Err(self.syntax(&q, &format!("an interval such as q8h, {TAPER_EXAMPLE}")));
        }
        let (_, every) = self.interval()?;
        self.no_irregularity("a taper")?;
        let over = self.expect_word("over", TAPER_EXAMPLE)?;
        let number = self.number(&format!("a duration after over, {TAPER_EXAMPLE}"))?;
        let duration = self.duration(&number, &number)?;
        if duration.value <= 0.0 {
            let found = self.text_from(&over);
            return Err(RegimenError::ZeroRepeat {
                column: over.column,
                found,
            });
        }
        self.expect_word("to", TAPER_EXAMPLE)?;
        let (to, _) = self.amount(&format!("an amount after to, {TAPER_EXAMPLE}"))?;
        Ok(Phase::Taper {
            from,
            to,
            drug,
            route,
            every,
            over: duration,
        })
    }

    fn expect_word(&mut self, word: &str, example: &str) -> Result<Token> {
        let token = self.peek()?;
        if token.is_word(word) {
            self.bump()
        } else {
            Err(self.syntax(&token, &format!("'{word}', {example}")))
        }
    }

    /// Takes a number, or reports the next token as not the `expected` one.
    fn number(&mut self, expected: &str) -> Result<Token> {
        let token = self.peek()?;
        match token.kind {
            Kind::Number(_) => self.bump(),
            _ => Err(self.syntax(&token, expected)),
        }
    }

    /// `amount := number mass_unit`, with the dose limits checked. Returns the
    /// amount and its text; if there is no number, reports it as not `expected`.
    fn amount(&mut self, expected: &str) -> Result<(Amount, String)> {
        let number = self.number(expected)?;
        let Kind::Number(value) = number.kind else {
            return Err(self.syntax(&number, expected));
        };
        let word = self.unit_word(UnitKind::Mass, &number, &number)?;
        let unit = MassUnit::from_word(&word).unwrap_or(MassUnit::Mg);
        let amount = Amount { value, unit };
        let text = self.text_from(&number);
        let mg = amount.mg();
        if mg <= 0.0 || mg > MAX_DOSE_MG {
            return Err(RegimenError::dose_out_of_range(number.column, &text, mg));
        }
        Ok((amount, text))
    }

    /// `[ drug ] route`, after an amount written `amount_text`.
    fn drug_and_route(&mut self, amount_text: &str) -> Result<(String, Route)> {
        let first = self.peek()?;
        let Some(word) = first.word().filter(|word| !is_keyword(word)) else {
            return Err(RegimenError::MissingRoute {
                column: first.column,
                found: self.text(&first, &first),
                after: amount_text.to_string(),
            });
        };
        if let Some(route) = Route::from_word(word) {
            self.bump()?;
            return Ok((DEFAULT_DRUG.to_string(), route));
        }
        // Not a route, so a drug name; the route must come next. Only ASCII names: a
        // lower-cased non-ASCII name can change length (U+0130) and would not read back.
        if !word.is_ascii() {
            return Err(RegimenError::DrugName {
                column: first.column,
                found: self.text(&first, &first),
            });
        }
        let drug = word.to_string();
        self.bump()?;
        let second = self.peek()?;
        match second.word() {
            Some(word) if !is_keyword(word) => match Route::from_word(word) {
                Some(route) => {
                    self.bump()?;
                    Ok((drug, route))
                }
                None => Err(RegimenError::UnknownRoute {
                    column: second.column,
                    found: self.text(&second, &second),
                    suggestion: Route::suggest(word),
                }),
            },
            // Nothing in route position: `10mg ivv` is more likely a
            // misspelt route than a drug without one.
            _ => match Route::suggest(&drug) {
                Some(suggestion) => Err(RegimenError::UnknownRoute {
                    column: first.column,
                    found: self.text(&first, &first),
                    suggestion: Some(suggestion),
                }),
                None => Err(RegimenError::MissingRoute {
                    column: second.column,
                    found: self.text(&second, &second),
                    after: self.text(&first, &first),
                }),
            },
        }
    }

    /// `"q" duration`, at least [`MIN_INTERVAL_MIN`]. Returns the `q` token too.
    fn interval(&mut self) -> Result<(Token, Duration)> {
        let q = self.bump()?;
        let number =
            self.number("a number after q, as in q8h or q30min (an interval with a unit)")?;
        let every = self.duration(&q, &number)?;
        let minutes = every.hours() * 60.0;
        if minutes < MIN_INTERVAL_MIN * (1.0 - 1e-12) {
            let found = self.text_from(&q);
            return Err(RegimenError::interval_too_short(q.column, &found, minutes));
        }
        Ok((q, every))
    }

    /// `"x" ( duration | count )`, after the interval that began with `q`.
    fn repeat(&mut self, q: &Token) -> Result<Repeat> {
        let x = self.peek()?;
        if !x.is_word("x") {
            let found = self.text_from(q);
            return Err(RegimenError::MissingRepeat {
                column: q.column,
                found,
            });
        }
        self.bump()?;
        let number =
            self.number("a count or a duration after x, e.g. x 42 (doses) or x 14d (for 14 days)")?;
        let Kind::Number(value) = number.kind else {
            return Err(self.syntax(&number, "a number"));
        };
        let next = self.peek()?;
        let is_unit = match next.word() {
            Some("dose" | "doses") => {
                self.bump()?;
                false
            }
            Some(word) => next.glued || !(is_keyword(word) || Route::from_word(word).is_some()),
            None => false,
        };
        if is_unit {
            let duration = self.duration(&number, &number)?;
            if duration.value <= 0.0 {
                let found = self.text_from(&x);
                return Err(RegimenError::ZeroRepeat {
                    column: x.column,
                    found,
                });
            }
            return Ok(Repeat::For(duration));
        }
        let found = self.text_from(&x);
        if value.fract() != 0.0 {
            let found = self.text(&number, &number);
            return Err(RegimenError::CountNotWhole {
                column: number.column,
                found,
            });
        }
        if value <= 0.0 {
            return Err(RegimenError::ZeroRepeat {
                column: x.column,
                found,
            });
        }
        if value > MAX_DOSES as f64 {
            // `as` saturates: a count of 1e300 reads as usize::MAX.
            return Err(RegimenError::too_many_doses(x.column, &found, value));
        }
        Ok(Repeat::Count(value as usize))
    }

    /// The time unit after `number`; `lead` starts the phrase (`q` in `q8h`).
    fn duration(&mut self, lead: &Token, number: &Token) -> Result<Duration> {
        let Kind::Number(value) = number.kind else {
            return Err(self.syntax(number, "a number"));
        };
        let word = self.unit_word(UnitKind::Time, lead, number)?;
        let unit = TimeUnit::from_word(&word).unwrap_or(TimeUnit::H);
        Ok(Duration { value, unit })
    }

    /// Takes the unit word after `number`, of the given kind, and returns it.
    /// `lead` starts the phrase reported if the unit is missing.
    fn unit_word(&mut self, kind: UnitKind, lead: &Token, number: &Token) -> Result<String> {
        let token = self.peek()?;
        let missing = || RegimenError::MissingUnit {
            column: lead.column,
            found: self.text(lead, number),
            kind,
        };
        let Some(word) = token.word() else {
            return Err(missing());
        };
        let is_mass = MassUnit::from_word(word).is_some();
        let is_time = TimeUnit::from_word(word).is_some();
        let found = self.text(&token, &token);
        match kind {
            UnitKind::Mass if is_mass => return self.bump().map(|_| word.to_string()),
            UnitKind::Time if is_time => return self.bump().map(|_| word.to_string()),
            UnitKind::Time if word == "m" => {
                return Err(RegimenError::AmbiguousMinutes {
                    column: token.column,
                    found,
                })
            }
            _ => {}
        }
        let mut chars = word.chars();
        let exponent = chars.next() == Some('e')
            && chars.next().is_some_and(|c| c.is_ascii_digit() || c == '-');
        if token.glued && exponent {
            return Err(RegimenError::InvalidNumber {
                column: number.column,
                found: self.text(number, &token),
                reason: "exponents are not accepted; write the number out, e.g. 1000 for 1e3",
            });
        }
        if !token.glued && (is_keyword(word) || Route::from_word(word).is_some()) {
            Err(missing())
        } else {
            Err(RegimenError::UnknownUnit {
                column: token.column,
                found,
                kind,
            })
        }
    }
}
