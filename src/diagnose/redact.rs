//! Removing secrets from text meant for other people (the `doctor --report` file).
//!
//! Two layers: every secret value of the connection is replaced wherever it occurs (also in its
//! form-encoded spelling, and line by line for PEM keys), then anything shaped like a Salesforce
//! access token, a bearer header or a signed JWT is replaced even if it was never stored.

/// Secrets shorter than this are not searched for: replacing every "ab" would shred the report
/// and such values cannot be real client secrets, passwords or tokens.
const MIN_SECRET_LEN: usize = 4;

#[derive(Clone, Default)]
pub struct Redactor {
    /// (value, label), longest value first once `redact` runs.
    values: Vec<(String, String)>,
}

/// Never the values: a `Debug` of something holding a redactor must not show the secrets.
impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.values.len())
            .finish()
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remember one secret value under a label such as `client_secret`.
    pub fn add(&mut self, label: &str, value: &str) {
        let mut push = |v: &str| {
            let v = v.trim();
            if v.chars().count() >= MIN_SECRET_LEN
                && !self.values.iter().any(|(known, _)| known == v)
            {
                self.values.push((v.to_string(), label.to_string()));
            }
        };
        push(value);
        let encoded: String =
            url::form_urlencoded::byte_serialize(value.trim().as_bytes()).collect();
        push(&encoded);
        // A PEM key may be quoted in part: every body line counts as the secret.
        if value.contains("-----BEGIN") {
            for line in value.lines().filter(|l| !l.starts_with("-----")) {
                if line.trim().len() >= 16 {
                    push(line);
                }
            }
        }
        // The token cache is JSON: its access token is the secret part.
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(value)
        {
            for key in ["access_token", "refresh_token"] {
                if let Some(inner) = map.get(key).and_then(|v| v.as_str()) {
                    push(inner);
                }
            }
        }
    }

    /// The text with every known secret and every token-shaped string replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut values = self.values.clone();
        values.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        let mut out = text.to_string();
        for (value, label) in &values {
            out = out.replace(value.as_str(), &format!("[REDACTED {label}]"));
        }
        let out = replace_salesforce_tokens(&out);
        let out = replace_jwts(&out);
        replace_bearer(&out)
    }
}

/// Text from a server made safe for a terminal: control characters (ESC, CR, BEL, ...) and
/// bidirectional overrides removed, so that an answer cannot move the cursor, retitle the window
/// or disguise itself. Newlines become spaces.
pub fn printable(text: &str) -> String {
    let is_bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(|c| c.is_control() || is_bidi(c)) {
        return text.to_string();
    }
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\t' => Some(' '),
            c if c.is_control() || is_bidi(c) => None,
            c => Some(c),
        })
        .collect()
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '!')
}

/// Salesforce access tokens and session ids: `00D` + org id rest + `!` + the secret part.
fn replace_salesforce_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("00D") {
        let (before, candidate) = rest.split_at(pos);
        out.push_str(before);
        let end = candidate
            .find(|c: char| !is_token_char(c))
            .unwrap_or(candidate.len());
        let word = &candidate[..end];
        let looks_like_token = word.find('!').is_some_and(|bang| {
            (12..=18).contains(&bang)
                && word[..bang].chars().all(|c| c.is_ascii_alphanumeric())
                && word.len() - bang > 16
        });
        let preceded_by_token_char = before.chars().next_back().is_some_and(is_token_char);
        if looks_like_token && !preceded_by_token_char {
            out.push_str("[REDACTED access token]");
            rest = &candidate[end..];
        } else {
            out.push_str("00D");
            rest = &candidate[3..];
        }
    }
    out.push_str(rest);
    out
}

/// Signed JWTs (`eyJ...` header, payload, signature), such as JWT bearer assertions.
fn replace_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("eyJ") {
        let (before, candidate) = rest.split_at(pos);
        out.push_str(before);
        let end = candidate
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
            .unwrap_or(candidate.len());
        let word = &candidate[..end];
        if word.split('.').count() == 3 && word.len() > 40 {
            out.push_str("[REDACTED JWT]");
            rest = &candidate[end..];
        } else {
            out.push_str("eyJ");
            rest = &candidate[3..];
        }
    }
    out.push_str(rest);
    out
}

/// `Bearer <anything>` as in an Authorization header.
fn replace_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("Bearer ") {
        let (before, candidate) = rest.split_at(pos + "Bearer ".len());
        out.push_str(before);
        let end = candidate
            .find(char::is_whitespace)
            .unwrap_or(candidate.len());
        if end > 0 && !candidate.starts_with("[REDACTED") {
            out.push_str("[REDACTED token]");
        } else {
            out.push_str(&candidate[..end]);
        }
        rest = &candidate[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_are_replaced_in_every_spelling() {
        let mut r = Redactor::new();
        r.add("password", "p#ss w&rd+%");
        r.add("client_secret", "ABCDEF123456");
        let text = "form: password=p%23ss+w%26rd%2B%25 raw p#ss w&rd+% secret ABCDEF123456.";
        let out = r.redact(text);
        assert!(!out.contains("p#ss"), "{out}");
        assert!(!out.contains("p%23ss"), "{out}");
        assert!(!out.contains("ABCDEF123456"), "{out}");
        assert!(out.contains("[REDACTED client_secret]"), "{out}");
    }

    #[test]
    fn the_token_cache_json_and_pem_lines_are_secrets_too() {
        let mut r = Redactor::new();
        r.add(
            "access_token",
            r#"{"access_token":"tok-canary-123456","instance_url":"https://x.my.salesforce.com"}"#,
        );
        r.add(
            "private_key",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
        );
        let out = r.redact("token tok-canary-123456 key line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC end");
        assert!(!out.contains("tok-canary"), "{out}");
        assert!(!out.contains("MIIEvQ"), "{out}");
    }

    #[test]
    fn token_shapes_are_replaced_without_being_stored() {
        let r = Redactor::new();
        let sid = "00D5g000004ABCD!AQ0AQKt.xyzABC_def-1234567890abcdefghij";
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4Iiwic3ViIjoieSJ9.c2lnbmF0dXJlc2lnbmF0dXJl";
        let text = format!(
            "sid={sid}; assertion {jwt}\nAuthorization: Bearer abc.def\norg 00D5g000004ABCD stays"
        );
        let out = r.redact(&text);
        assert!(!out.contains("AQ0AQKt"), "{out}");
        assert!(!out.contains("c2lnbmF0"), "{out}");
        assert!(!out.contains("abc.def"), "{out}");
        // An org id alone is not a secret and stays useful for support.
        assert!(out.contains("org 00D5g000004ABCD stays"), "{out}");
    }

    #[test]
    fn printable_drops_escape_sequences_and_bidi_overrides() {
        let hostile = "bad\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nline\u{202E}txt";
        let out = printable(hostile);
        assert!(!out.chars().any(char::is_control), "{out:?}");
        assert!(!out.contains('\u{202E}'), "{out:?}");
        assert_eq!(printable("plain text"), "plain text");
        assert!(
            !format!("{:?}", {
                let mut r = Redactor::new();
                r.add("client_secret", "s3cr3t-value");
                r
            })
            .contains("s3cr3t")
        );
    }

    #[test]
    fn short_values_are_not_used_as_patterns() {
        let mut r = Redactor::new();
        r.add("password", "ab");
        assert_eq!(r.redact("about a cab"), "about a cab");
    }
}
