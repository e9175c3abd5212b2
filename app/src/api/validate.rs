//! Parsing of user input into values that are known to be valid ("parse, don't
//! validate"). The browser runs the same rules before sending, the server before storing.

use super::{ErrorCode, ErrorDetail};

/// A field that failed validation, with a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError { field, message: message.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FieldError {}

impl From<FieldError> for ErrorDetail {
    fn from(e: FieldError) -> Self {
        ErrorDetail {
            code: ErrorCode::InvalidInput,
            message: e.message,
            field: Some(e.field.into()),
            retry_after: None,
        }
    }
}

/// The shortest password Primer accepts (NIST SP 800-63B asks for at least 8).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Long enough for any passphrase; bounded so hashing stays cheap.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// An email address, trimmed and lower-cased. Only the basic shape is checked
/// (`local@domain.tld`, no spaces): the real test of an address is whether mail arrives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, FieldError> {
        let email = input.trim().to_lowercase();
        let err = |m: &str| Err(FieldError::new("email", m));
        if email.is_empty() {
            return err("Enter an email address.");
        }
        if email.len() > 254 {
            return err("That email address is too long.");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return err("An email address needs an @, like name@company.com.");
        };
        let domain_ok =
            domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..");
        if local.is_empty()
            || !domain_ok
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
            || local.contains('@')
        {
            return err("That doesn't look like an email address, like name@company.com.");
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Trims and checks a short, required, single-line text such as a name.
pub fn required_text(field: &'static str, label: &str, input: &str, max_chars: usize) -> Result<String, FieldError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, format!("Enter {label}.")));
    }
    if text.chars().count() > max_chars {
        return Err(FieldError::new(field, format!("Keep {label} under {max_chars} characters.")));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(field, format!("{} can't contain control characters.", capitalise(label))));
    }
    Ok(text.to_string())
}

/// Like [`required_text`], but blank means "none".
pub fn optional_text(
    field: &'static str,
    label: &str,
    input: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, label, text, max_chars).map(Some),
    }
}

/// A person's display name.
pub fn display_name(input: &str) -> Result<String, FieldError> {
    required_text("name", "a name", input, 100)
}

/// A job role such as "Account Executive"; blank means none.
pub fn job_role(input: Option<&str>) -> Result<Option<String>, FieldError> {
    optional_text("job_role", "a job role", input, 100)
}

/// A role to give someone: one Primer has (a role this version doesn't know is never
/// given).
pub fn role(role: super::Role) -> Result<super::Role, FieldError> {
    if super::Role::ALL.contains(&role) {
        Ok(role)
    } else {
        Err(FieldError::new("role", "Choose learner, author, manager or admin."))
    }
}

/// A team's name.
pub fn team_name(input: &str) -> Result<String, FieldError> {
    required_text("name", "a team name", input, 80)
}

/// A new password: long enough to resist guessing, not only spaces.
pub fn new_password(field: &'static str, input: &str) -> Result<String, FieldError> {
    let chars = input.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            format!("Use at least {MIN_PASSWORD_CHARS} characters; a short phrase works well."),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(field, format!("Use at most {MAX_PASSWORD_CHARS} characters.")));
    }
    if input.trim().is_empty() {
        return Err(FieldError::new(field, "A password can't be only spaces."));
    }
    Ok(input.to_string())
}

/// The shape of an IANA time zone name ("UTC", "Europe/Berlin"). The server also checks
/// it against the time zone database, which is too large to ship to the browser.
pub fn time_zone_shape(input: &str) -> Result<String, FieldError> {
    let tz = input.trim();
    let ok = !tz.is_empty() && tz.len() <= 64 && tz.chars().all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
    if ok {
        Ok(tz.to_string())
    } else {
        Err(FieldError::new("time_zone", "Use a time zone name such as Europe/Berlin or UTC."))
    }
}

/// Where to send someone after signing in: a path on this site, never another site.
///
/// Browsers resolve `Location` by the WHATWG URL rules, which drop tabs and newlines
/// anywhere and read `\\` as `/`, so `/\t/evil.example` and `/\\evil.example` both mean
/// `//evil.example`, another site. Accepted is only a path that starts with one `/`
/// (not two) and holds no control character and no backslash: by those rules such a
/// path stays on the origin it is resolved against, whatever follows (percent-escapes
/// are not decoded when resolving). Anything else sends the person home.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next.map(str::trim) else { return "/".to_string() };
    let mut chars = next.chars();
    let path_absolute = chars.next() == Some('/') && chars.next() != Some('/');
    if path_absolute && !next.chars().any(|c| c.is_control() || c == '\\') { next.to_string() } else { "/".to_string() }
}

/// Percent-encodes a value for a URL's query string (`/` is kept for readable paths).
pub fn url_encode(s: &str) -> String {
    percent_encode(s, b"-_.~/")
}

/// Percent-encodes a value for one segment of a URL's path: a `/` in it (or `..`) can't
/// reach another route.
pub fn path_segment(s: &str) -> String {
    match percent_encode(s, b"-_.~") {
        dots if dots == "." || dots == ".." => dots.replace('.', "%2E"),
        encoded => encoded,
    }
}

/// Every byte but ASCII letters, digits and `keep` as `%XX`.
fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse("  Dana@Example.COM ").unwrap().as_str(), "dana@example.com");
    }

    #[test]
    fn bad_emails_are_refused_with_a_reason() {
        for bad in [
            "",
            "dana",
            "dana@",
            "@example.com",
            "dana@example",
            "da na@example.com",
            "a@b@c.com",
            "a@.com",
            "a@b..com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad:?}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn passwords_need_length_not_rules() {
        assert!(new_password("password", "short").is_err());
        assert!(new_password("password", "          ").is_err());
        assert!(new_password("password", "correct horse").is_ok());
        assert!(new_password("password", &"x".repeat(257)).is_err());
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(display_name("  Dana Lee ").unwrap(), "Dana Lee");
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(101)).is_err());
        assert!(display_name("a\u{0}b").is_err());
        assert_eq!(job_role(Some("  ")).unwrap(), None);
        assert_eq!(job_role(None).unwrap(), None);
        assert_eq!(job_role(Some(" AE ")).unwrap().as_deref(), Some("AE"));
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/admin/people?q=a")), "/admin/people?q=a");
        assert_eq!(safe_next(Some("/library?q=a b&tag=product:Aurora")), "/library?q=a b&tag=product:Aurora");
        assert_eq!(
            safe_next(Some("/modules/%2F%2Fevil.example")),
            "/modules/%2F%2Fevil.example",
            "escapes stay escaped"
        );
        assert_eq!(safe_next(Some("/")), "/");
        for off_site in [
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            // A query string's %09 arrives decoded: browsers drop the tab.
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\r\n/evil.example",
            "/a\r\nSet-Cookie: x",
            "/\u{0}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{85}/evil.example",
            " //evil.example",
            "\u{3000}//evil.example",
            "/a\\b",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(off_site)), "/", "{off_site:?}");
        }
        // Non-ASCII look-alikes of a slash are path characters to a browser.
        assert_eq!(safe_next(Some("/\u{ff0f}evil.example")), "/\u{ff0f}evil.example");
        assert_eq!(safe_next(Some("/\u{2215}evil.example")), "/\u{2215}evil.example");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn time_zone_shape() {
        assert!(super::time_zone_shape("Europe/Berlin").is_ok());
        assert!(super::time_zone_shape("America/Argentina/Buenos_Aires").is_ok());
        assert!(super::time_zone_shape("Etc/GMT+5").is_ok());
        assert!(super::time_zone_shape("Berlin; drop").is_err());
        assert!(super::time_zone_shape("").is_err());
    }
}
