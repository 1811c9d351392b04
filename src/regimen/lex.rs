//! Splits regimen text into numbers and words.
//!
//! The lexer works on `char`s, never on byte offsets it has not taken from
//! `char_indices`, so any input (µ, emoji, combining marks) is safe to slice.

use super::RegimenError;

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    /// A plain decimal such as `10`, `2.5` or `.5`.
    Number(f64),
    /// A word (letters, digits, '-' or '_', starting with a letter), lower-cased.
    Word(String),
    /// `+`, joining doses taken together.
    Plus,
    /// `~`, irregular use: `10mg~40%` (amount), `q8h~2h` (timing).
    Tilde,
    /// `%`, after the number of a percentage.
    Percent,
    /// The end of the input.
    End,
    /// Text that cannot be lexed; reading stops here. The parser reports it
    /// only if it gets this far, so an earlier grammar error wins.
    Bad(RegimenError),
}

/// One token and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub kind: Kind,
    /// 1-based column of the first char.
    pub column: usize,
    /// Byte range in the input.
    pub start: usize,
    pub end: usize,
    /// True if no whitespace separates this token from the one before.
    pub glued: bool,
}

impl Token {
    /// The word, if this token is one.
    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            Kind::Word(word) => Some(word),
            _ => None,
        }
    }

    pub fn is_word(&self, word: &str) -> bool {
        self.word() == Some(word)
    }
}

/// Words that are written glued to a number: `q8h`, `x14d`, `wait21d`.
const GLUED_KEYWORDS: [&str; 3] = ["q", "x", "wait"];

/// Splits `input` into tokens, ending with [`Kind::End`] or [`Kind::Bad`].
pub(super) fn lex(input: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(input.len(), |&(byte, _)| byte);
    let char_at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let is_number_char = |c: char| c.is_ascii_digit() || c == '.';
    let starts_number = |i: usize| match char_at(i) {
        Some(c) if c.is_ascii_digit() => true,
        Some('.') => char_at(i + 1).is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };

    let mut tokens = Vec::new();
    let mut i = 0;
    let mut glued = false;
    while let Some(c) = char_at(i) {
        let start = i;
        let token = |kind, end: usize| Token {
            kind,
            column: start + 1,
            start: byte_at(start),
            end: byte_at(end),
            glued,
        };
        if c.is_whitespace() {
            i += 1;
            glued = false;
            continue;
        }
        if c.is_ascii_digit() || c == '.' {
            while char_at(i).is_some_and(is_number_char) {
                i += 1;
            }
            let text = &input[byte_at(start)..byte_at(i)];
            match read_number(text) {
                Ok(value) => tokens.push(token(Kind::Number(value), i)),
                Err(reason) => {
                    let found = text.to_string();
                    let bad = RegimenError::InvalidNumber {
                        column: start + 1,
                        found,
                        reason,
                    };
                    tokens.push(token(Kind::Bad(bad), i));
                    return tokens;
                }
            }
        } else if c == '+' {
            i += 1;
            tokens.push(token(Kind::Plus, i));
        } else if c == '~' {
            i += 1;
            tokens.push(token(Kind::Tilde, i));
        } else if c == '%' {
            i += 1;
            tokens.push(token(Kind::Percent, i));
        } else if c == '-' {
            if !starts_number(i + 1) {
                let bad = RegimenError::UnexpectedChar {
                    column: start + 1,
                    found: c,
                };
                tokens.push(token(Kind::Bad(bad), i + 1));
                return tokens;
            }
            i += 1;
            while char_at(i).is_some_and(is_number_char) {
                i += 1;
            }
            let found = input[byte_at(start)..byte_at(i)].to_string();
            let bad = RegimenError::NegativeNumber {
                column: start + 1,
                found,
            };
            tokens.push(token(Kind::Bad(bad), i));
            return tokens;
        } else if c.is_alphabetic() {
            while char_at(i).is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                i += 1;
            }
            let word = input[byte_at(start)..byte_at(i)].to_lowercase();
            // `q8h`, `x14d`, `wait21d`, `q-8h`: keep only the keyword and lex
            // the rest as the following (glued) tokens.
            if let Some(keyword) = GLUED_KEYWORDS.iter().find(|keyword| {
                let after = start + keyword.chars().count();
                word.starts_with(*keyword)
                    && (starts_number(after)
                        || matches!(char_at(after), Some('-' | '+')) && starts_number(after + 1))
            }) {
                i = start + keyword.chars().count();
                tokens.push(token(Kind::Word((*keyword).to_string()), i));
            } else {
                tokens.push(token(Kind::Word(word), i));
            }
        } else {
            let bad = RegimenError::UnexpectedChar {
                column: start + 1,
                found: c,
            };
            tokens.push(token(Kind::Bad(bad), i + 1));
            return tokens;
        }
        glued = true;
    }
    tokens.push(Token {
        kind: Kind::End,
        column: chars.len() + 1,
        start: input.len(),
        end: input.len(),
        glued,
    });
    tokens
}

/// Reads a plain decimal: digits with at most one '.', and at least one digit
/// after a '.'. No sign, no exponent, no `inf` or `NaN`.
fn read_number(text: &str) -> Result<f64, &'static str> {
    let dots = text.matches('.').count();
    if dots > 1 {
        return Err("a number has at most one '.', e.g. 2.5");
    }
    if text.ends_with('.') {
        return Err("a '.' must be followed by digits, e.g. 2.5 or .5");
    }
    // Only ASCII digits and one inner or leading '.' remain, which `f64`
    // reads exactly as written (to the nearest double).
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err("this number is too large"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders tokens as `column:text` (`@` marks a glued token) for comparison.
    fn check(input: &str, expected: &str) {
        let rendered: Vec<String> = lex(input)
            .iter()
            .map(|t| {
                let glue = if t.glued { "@" } else { "" };
                match &t.kind {
                    Kind::Number(v) => format!("{glue}{}:{v}", t.column),
                    Kind::Word(w) => format!("{glue}{}:{w}", t.column),
                    Kind::Plus => format!("{glue}{}:+", t.column),
                    Kind::Tilde => format!("{glue}{}:~", t.column),
                    Kind::Percent => format!("{glue}{}:%", t.column),
                    Kind::End => format!("{}:end", t.column),
                    Kind::Bad(e) => format!("{}:bad {e}", t.column),
                }
            })
            .collect();
        assert_eq!(rendered.join(" "), expected, "lexing {input:?}");
    }

    #[test]
    fn numbers_and_words() {
        check("10mg iv", "1:10 @3:mg 6:iv 8:end");
        check(" 2.5 MG Heroin_2 ", "2:2.5 6:mg 9:heroin_2 18:end");
        check(".5µg", "1:0.5 @3:µg 5:end");
        check("q8h x14d", "1:q @2:8 @3:h 5:x @6:14 @8:d 9:end");
        check("wait21d", "1:wait @5:21 @7:d 8:end");
        check(
            "quetiapine xanax waiter",
            "1:quetiapine 12:xanax 18:waiter 24:end",
        );
        check("", "1:end");
        check(
            "10mg iv+5mg iv",
            "1:10 @3:mg 6:iv @8:+ @9:5 @10:mg 13:iv 15:end",
        );
        check("10mg iv + +", "1:10 @3:mg 6:iv 9:+ 11:+ 12:end");
        check(
            "10mg~40% iv q8h~2h",
            "1:10 @3:mg @5:~ @6:40 @8:% 10:iv 13:q @14:8 @15:h @16:~ @17:2 @18:h 19:end",
        );
    }

    #[test]
    fn bad_input_stops_lexing() {
        check(
            "10mg 🙂 iv",
            "1:10 @3:mg 6:bad at column 6 ('🙂'): unexpected character; a regimen has only \
             numbers, words, spaces and the signs + ~ % (names may also use '-' and '_')",
        );
        check(
            "q-8h",
            "1:q 2:bad at column 2 (\"-8\"): amounts, intervals, durations and counts must be \
             positive; remove the '-'",
        );
        check(
            "1.2.3",
            "1:bad at column 1 (\"1.2.3\"): a number has at most one '.', e.g. 2.5",
        );
        check(
            "10.",
            "1:bad at column 1 (\"10.\"): a '.' must be followed by digits, e.g. 2.5 or .5",
        );
        let huge = "9".repeat(400);
        assert!(matches!(
            lex(&huge)[0].kind,
            Kind::Bad(RegimenError::InvalidNumber { column: 1, .. })
        ));
    }
}
