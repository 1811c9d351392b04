//! Routes of administration.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a dose enters the body. The route decides how fast the drug reaches
/// the brain, which is why the simulator needs it for every dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// Intravenous injection: the whole dose reaches the blood at once.
    Iv,
    /// Smoked or inhaled vapour ("chasing the dragon"): nearly as fast as iv.
    Smoked,
    /// Snorted: slower absorption through the nasal mucosa.
    Intranasal,
    /// Swallowed: slow absorption and heavy first-pass metabolism.
    Oral,
    /// Intramuscular injection: absorbed from the muscle within minutes.
    Im,
    /// Under the tongue: absorbed through the oral mucosa, avoiding most first-pass loss.
    Sublingual,
}

impl Route {
    /// Every route, in the order used in messages.
    pub const ALL: [Route; 6] = [
        Route::Iv,
        Route::Smoked,
        Route::Intranasal,
        Route::Oral,
        Route::Im,
        Route::Sublingual,
    ];

    /// The word used in regimen text and in serialized data, e.g. `"iv"`.
    pub fn name(self) -> &'static str {
        match self {
            Route::Iv => "iv",
            Route::Smoked => "smoked",
            Route::Intranasal => "intranasal",
            Route::Oral => "oral",
            Route::Im => "im",
            Route::Sublingual => "sublingual",
        }
    }

    /// The route written as `word` (already lower-case), if it is one.
    pub(crate) fn from_word(word: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.name() == word)
    }

    /// A route that `word` (lower-case) is probably a misspelling of: one or
    /// two letters off, or a prefix of at least three letters (`intra`).
    pub(crate) fn suggest(word: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| {
            let name = route.name();
            let allowed = if name.len() <= 3 { 1 } else { 2 };
            (word.chars().count() >= 3 && name.starts_with(word))
                || edit_distance(word, name) <= allowed
        })
    }
}

/// The accepted route words as a list for messages: `iv, smoked, intranasal, oral, im, sublingual`.
pub(crate) fn route_list() -> String {
    Route::ALL.map(Route::name).join(", ")
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A word that names no route, returned by [`Route::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown route '{found}'; expected one of {}", route_list())]
pub struct UnknownRouteName {
    /// The word as given.
    pub found: String,
}

impl FromStr for Route {
    type Err = UnknownRouteName;

    /// Reads a route name, ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Route::from_word(&s.trim().to_lowercase()).ok_or_else(|| UnknownRouteName {
            found: s.to_string(),
        })
    }
}

/// Levenshtein distance between two short words, counted in chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            let delete = previous[j + 1] + 1;
            let insert = current[j] + 1;
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for route in Route::ALL {
            assert_eq!(route.name().parse::<Route>(), Ok(route));
            assert_eq!(route.to_string(), route.name());
        }
        assert_eq!(" IV ".parse::<Route>(), Ok(Route::Iv));
    }

    #[test]
    fn unknown_name_lists_routes() {
        let err = "ivv".parse::<Route>().map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err(
                "unknown route 'ivv'; expected one of iv, smoked, intranasal, oral, im, sublingual"
                    .to_string()
            )
        );
    }

    #[test]
    fn suggestions() {
        let check = |word: &str, expected: Option<Route>| {
            assert_eq!(Route::suggest(word), expected, "{word}");
        };
        check("ivv", Some(Route::Iv));
        check("i", Some(Route::Iv));
        check("smokd", Some(Route::Smoked));
        check("intra", Some(Route::Intranasal));
        check("oarl", Some(Route::Oral));
        check("heroin", None);
        check("po", None);
        check("morphine", None);
    }

    #[test]
    fn serde_names_are_lowercase() {
        let json = serde_json::to_string(&Route::Intranasal).map_err(|e| e.to_string());
        assert_eq!(json, Ok("\"intranasal\"".to_string()));
    }
}
