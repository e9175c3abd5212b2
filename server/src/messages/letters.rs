//! What each kind of message says, in plain text and in HTML. Everything a person typed
//! (names, titles) is escaped in the HTML; times are in the recipient's time zone.

use app::escape_html as esc;
use chrono::{DateTime, Utc};

use super::email::Letter;

/// A moment as the recipient reads it: `Mon 7 Dec 2026, 14:00 (Europe/Berlin)`. An
/// unknown zone name reads as UTC, and says so.
pub fn local_time(at: DateTime<Utc>, time_zone: &str) -> String {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => format!("{} ({})", at.with_timezone(&tz).format("%a %-d %b %Y, %H:%M"), tz.name()),
        Err(_) => format!("{} (UTC)", at.format("%a %-d %b %Y, %H:%M")),
    }
}

/// Whether a password link sets a first password or replaces one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkFor {
    /// A new account: the person never had a password.
    Invitation,
    /// A forgotten or reset password.
    Reset,
}

/// A one-time link to set a password.
pub fn password_link(for_: LinkFor, name: &str, url: &str, expires_at: DateTime<Utc>, time_zone: &str) -> Letter {
    let until = local_time(expires_at, time_zone);
    let (subject, opening, action) = match for_ {
        LinkFor::Invitation => (
            "You're invited to Primer",
            "An account on Primer, where your team's training lives, is ready for you. Choose your password to sign in:",
            "Choose my password",
        ),
        LinkFor::Reset => (
            "Set a new Primer password",
            "Someone (we hope you) asked for a link to set a new password for your Primer account:",
            "Set a new password",
        ),
    };
    let ignore = match for_ {
        LinkFor::Invitation => "If you weren't expecting this, you can ignore it.",
        LinkFor::Reset => "If you didn't ask for it, ignore this message: your password stays as it is.",
    };
    let text = format!(
        "Hello {name},\n\n{opening}\n\n{url}\n\nThe link works once, until {until}.\n{ignore}\n\n-- \nPrimer\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:34rem\">\
         <p>Hello {name},</p><p>{opening}</p>\
         <p><a href=\"{url}\" style=\"display:inline-block;padding:.6rem 1rem;background:#1d4ed8;color:#fff;\
         border-radius:.4rem;text-decoration:none\">{action}</a></p>\
         <p style=\"font-size:.9em;color:#555\">Or open this address: {url}</p>\
         <p style=\"font-size:.9em;color:#555\">The link works once, until {until}. {ignore}</p>\
         </body></html>",
        name = esc(name),
        opening = esc(opening),
        url = esc(url),
        action = esc(action),
        until = esc(&until),
        ignore = esc(ignore),
    );
    Letter { subject: subject.into(), text, html, unsubscribe: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_the_recipients() {
        let at = "2026-12-07T13:00:00Z".parse().unwrap();
        assert_eq!(local_time(at, "Europe/Berlin"), "Mon 7 Dec 2026, 14:00 (Europe/Berlin)");
        assert_eq!(local_time(at, "America/New_York"), "Mon 7 Dec 2026, 08:00 (America/New_York)");
        assert_eq!(local_time(at, "Mars/Olympus"), "Mon 7 Dec 2026, 13:00 (UTC)");
    }

    #[test]
    fn a_hostile_name_stays_text_in_the_html() {
        let at = "2026-12-07T13:00:00Z".parse().unwrap();
        let letter =
            password_link(LinkFor::Invitation, "<script>alert(1)</script>", "https://p.example/reset/x", at, "UTC");
        assert!(!letter.html.contains("<script>"));
        assert!(letter.html.contains("&lt;script&gt;"));
        assert!(letter.text.contains("<script>alert(1)</script>"), "plain text is plain");
        assert!(letter.unsubscribe.is_none(), "sign-in links have no unsubscribe");
    }
}
