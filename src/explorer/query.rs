//! Reading a request's query string: `name=value` pairs, percent-decoded, each name known to the
//! endpoint and given at most once.
//!
//! A misspelt or repeated parameter is an error, not silently ignored (the explorer's form of
//! `deny_unknown_fields`): `?regmen=10mg iv` must not quietly simulate the default.

use super::api::ApiError;

/// The decoded parameters of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes `query` (the text after `?`, without it) and checks every name against
    /// `allowed`. `+` is a space, `%XX` a byte; the decoded text must be UTF-8.
    pub fn parse(query: &str, allowed: &[&str]) -> Result<Query, ApiError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = part.split_once('=').unwrap_or((part, ""));
            let name = decode(raw_name)?;
            let value = decode(raw_value)?;
            if !allowed.contains(&name.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {name:?}; this endpoint takes {}",
                    if allowed.is_empty() {
                        "no parameters".to_string()
                    } else {
                        allowed.join(", ")
                    }
                )));
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(ApiError::bad_request(format!(
                    "parameter {name:?} is given more than once; give it once"
                )));
            }
            pairs.push((name, value));
        }
        Ok(Query { pairs })
    }

    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Percent-decoding of one name or value (`application/x-www-form-urlencoded`).
fn decode(text: &str) -> Result<String, ApiError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => {
                        return Err(ApiError::bad_request(
                            "the query has a '%' that is not followed by two hex digits; \
                             encode the text with encodeURIComponent"
                                .to_string(),
                        ))
                    }
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| {
        ApiError::bad_request("the query is not UTF-8 text once decoded; encode it as UTF-8".into())
    })
}

#[cfg(test)]
mod tests {
    use super::Query;

    #[test]
    fn decodes_plus_and_percent_escapes() {
        let q = Query::parse(
            "regimen=10mg+iv%20q8h%20x%2014d&observe=10d",
            &["regimen", "observe"],
        )
        .expect("a well-formed query");
        assert_eq!(q.get("regimen"), Some("10mg iv q8h x 14d"));
        assert_eq!(q.get("observe"), Some("10d"));
        assert_eq!(q.get("dt"), None);
        let q = Query::parse("regimen=5%C2%B5g", &["regimen"]).expect("UTF-8 escapes");
        assert_eq!(q.get("regimen"), Some("5µg"));
    }

    #[test]
    fn rejects_unknown_repeated_and_malformed_parameters() {
        let check = |query: &str, expected: &str| {
            let e = Query::parse(query, &["regimen"]).expect_err("a bad query");
            assert!(e.message.contains(expected), "{query}: {}", e.message);
            assert_eq!(e.status, 400);
        };
        check(
            "regmen=10mg",
            "unknown parameter \"regmen\"; this endpoint takes regimen",
        );
        check("regimen=1&regimen=2", "more than once");
        check("regimen=10%", "two hex digits");
        check("regimen=10%zz", "two hex digits");
        check("regimen=%ff", "not UTF-8");
    }
}
