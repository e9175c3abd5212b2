//! What each kind of message says, in plain text and in HTML. Everything a person typed
//! (names, titles) is escaped in the HTML; times are in the recipient's time zone.

use app::escape_html as esc;
use chrono::{DateTime, Utc};

use super::email::Letter;
use crate::reminders::{
    digest::{Digest, People},
    plan::{Item, What},
};

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

/// "due in 2 days", "due today", "3 days overdue".
pub fn due_words(due: chrono::NaiveDate, days_over: i64) -> String {
    let date = due.format("%a %-d %b").to_string();
    match days_over {
        d if d < -1 => format!("due {date}, in {} days", -d),
        -1 => format!("due {date}, tomorrow"),
        0 => format!("due today, {date}"),
        1 => format!("1 day overdue (due {date})"),
        d => format!("{d} days overdue (due {date})"),
    }
}

/// "expires in 30 days", "expires today", "expired on …".
fn expiry_words(expiry: chrono::NaiveDate, days_over: i64) -> String {
    let date = expiry.format("%a %-d %b").to_string();
    match days_over {
        d if d < -1 => format!("expires {date}, in {} days: renew it to stay certified", -d),
        -1 => format!("expires tomorrow, {date}: renew it to stay certified"),
        0 => format!("expires today, {date}: renew it to stay certified"),
        _ => format!("expired {date}: renew it to be certified again"),
    }
}

/// What an item's line says after its title.
pub fn item_words(item: &Item) -> String {
    match item.what {
        What::Module { .. } => due_words(item.date, item.days_over),
        What::Certificate { .. } => expiry_words(item.date, item.days_over),
        What::Device => format!(
            "a phone or browser you use Primer on last synced {}, {} days ago. It may hold what you did \
             offline: open Primer on it with a connection, and it catches up by itself",
            item.date.format("%a %-d %b"),
            item.days_over
        ),
    }
}

/// An item's name in a list.
fn item_title(item: &Item) -> String {
    match item.what {
        What::Module { .. } => item.title.clone(),
        What::Certificate { .. } => format!("Your {} certificate", item.title),
        What::Device => "Your phone hasn't synced".to_owned(),
    }
}

/// A planned message's items as lines of text and an HTML list, each with a link.
fn item_lines(items: &[Item], link: impl Fn(&Item) -> String) -> (String, String) {
    let text = items
        .iter()
        .map(|i| format!("- {}: {}\n  {}", item_title(i), item_words(i), link(i)))
        .collect::<Vec<_>>()
        .join("\n");
    let html = items
        .iter()
        .map(|i| format!("<li><a href=\"{}\">{}</a>: {}</li>", esc(&link(i)), esc(&item_title(i)), esc(&item_words(i))))
        .collect::<String>();
    (text, format!("<ul>{html}</ul>"))
}

fn wrap(greeting: &str, intro: &str, list_html: &str, outro: &str, unsubscribe: &str, why: &str) -> String {
    format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:34rem\">\
         <p>{}</p><p>{}</p>{list_html}<p>{}</p>\
         <p style=\"font-size:.85em;color:#555\">{} <a href=\"{}\">Unsubscribe</a></p></body></html>",
        esc(greeting),
        esc(intro),
        esc(outro),
        esc(why),
        esc(unsubscribe)
    )
}

/// A reminder of what needs a person: their required items, certificates near or at
/// their expiry, devices that haven't synced for a week.
pub fn reminder(name: &str, items: &[Item], base: &str, unsubscribe: &str) -> Letter {
    let modules: Vec<&Item> = items.iter().filter(|i| matches!(i.what, What::Module { .. })).collect();
    let overdue = modules.iter().filter(|i| i.days_over >= 1).count();
    let subject = match (items, modules.len() == items.len(), overdue) {
        ([one], true, 0) => format!("Due soon: {}", one.title),
        ([one], true, _) => format!("Overdue: {}", one.title),
        ([one], false, _) => match one.what {
            What::Certificate { .. } if one.days_over >= 1 => format!("Your {} certificate has expired", one.title),
            What::Certificate { .. } if one.days_over == 0 => format!("Your {} certificate expires today", one.title),
            What::Certificate { .. } => format!("Your {} certificate expires in {} days", one.title, -one.days_over),
            _ => format!("Your phone hasn't synced for {} days", one.days_over),
        },
        (_, true, 0) => format!("{} required items are due soon", items.len()),
        (_, true, _) => format!("{} required items need you ({overdue} overdue)", items.len()),
        _ => format!("{} things in Primer need you", items.len()),
    };
    let base = base.trim_end_matches('/');
    let link = |i: &Item| match i.what {
        What::Module { id } => format!("{base}/modules/{id}"),
        What::Certificate { id } => format!("{base}/certificates/{id}"),
        What::Device => format!("{base}/"),
    };
    let (text_list, html_list) = item_lines(items, link);
    let intro = if modules.len() == items.len() { "Required training that needs you:" } else { "What needs you:" };
    let outro = "Each takes a few minutes, and what you save works offline.";
    let why = "You get reminders of your required training, your certificates and devices that haven't synced.";
    let text = format!(
        "Hello {name},\n\n{intro}\n\n{text_list}\n\n{outro}\n\n-- \nPrimer. {why} Unsubscribe: {unsubscribe}\n"
    );
    let html = wrap(&format!("Hello {name},"), intro, &html_list, outro, unsubscribe, why);
    Letter { subject, text, html, unsubscribe: Some(unsubscribe.to_owned()) }
}

/// A manager's copy of one of their people's overdue reminders.
pub fn overdue_copy(
    manager: &str,
    person: &str,
    person_id: i64,
    items: &[Item],
    base: &str,
    unsubscribe: &str,
) -> Letter {
    let subject = match items {
        [one] => format!("{person} is overdue: {}", one.title),
        _ => format!("{person} is overdue on {} required items", items.len()),
    };
    let page = format!("{}/team/people/{person_id}", base.trim_end_matches('/'));
    let (text_list, html_list) = item_lines(items, |_| page.clone());
    let times = items.iter().map(|i| i.reminders).max().unwrap_or(1);
    let intro = format!("{person}'s required training has slid, and they have been reminded {times} times:");
    let outro = "A word from you may be what it takes. You'll hear when it's done.";
    let why = "You get this because you manage their team.";
    let text = format!(
        "Hello {manager},\n\n{intro}\n\n{text_list}\n\n{outro}\n\n-- \nPrimer. {why} Unsubscribe: {unsubscribe}\n"
    );
    let html = wrap(&format!("Hello {manager},"), &intro, &html_list, outro, unsubscribe, why);
    Letter { subject, text, html, unsubscribe: Some(unsubscribe.to_owned()) }
}

/// "Done": a person finished items their manager was told had slid.
pub fn completed(manager: &str, person: &str, person_id: i64, items: &[Item], base: &str, unsubscribe: &str) -> Letter {
    let subject = match items {
        [one] => format!("{person} finished {}", one.title),
        _ => format!("{person} finished {} overdue items", items.len()),
    };
    let page = format!("{}/team/people/{person_id}", base.trim_end_matches('/'));
    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    let intro = format!("{person} has finished what you were told had slid:");
    let text = format!(
        "Hello {manager},\n\n{intro}\n\n{}\n\n{page}\n\n-- \nPrimer. You get this because you manage their team. \
         Unsubscribe: {unsubscribe}\n",
        titles.iter().map(|t| format!("- {t}")).collect::<Vec<_>>().join("\n")
    );
    let list = format!("<ul>{}</ul>", titles.iter().map(|t| format!("<li>{}</li>", esc(t))).collect::<String>());
    let html = wrap(
        &format!("Hello {manager},"),
        &intro,
        &list,
        "",
        unsubscribe,
        "You get this because you manage their team.",
    );
    Letter { subject, text, html, unsubscribe: Some(unsubscribe.to_owned()) }
}

/// A manager's weekly digest of their teams.
pub fn digest(manager: &str, d: &Digest, time_zone: &str, base: &str, unsubscribe: &str) -> Letter {
    let base = base.trim_end_matches('/');
    let mut news = Vec::new();
    if d.overdue.count > 0 {
        news.push(format!("{} overdue", d.overdue.count));
    }
    if d.expiring.count > 0 {
        news.push(format!("{} certificates expiring", d.expiring.count));
    }
    if d.reviews_waiting > 0 {
        news.push(format!("{} reviews waiting", d.reviews_waiting));
    }
    if d.stale.count > 0 {
        news.push(format!("{} with stale data", d.stale.count));
    }
    let subject = if news.is_empty() {
        "Your teams this week: all on track".to_owned()
    } else {
        format!("Your teams this week: {}", news.join(", "))
    };
    let as_of = local_time(d.as_of, time_zone);
    let teams: Vec<String> = d.teams.iter().map(crate::reports::charts::team_line).collect();
    let person_link = |id: i64| format!("{base}/team/people/{id}");
    // Each list as (heading, people), then in text and HTML.
    let lists: [(&str, &People); 3] = [
        ("Overdue", &d.overdue),
        ("Certificates expiring or expired", &d.expiring),
        ("Data stale (no sync for 2 days: what they did offline isn't in yet)", &d.stale),
    ];
    let mut text = format!("Hello {manager},\n\nYour teams this week (as of {as_of}):\n\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;max-width:34rem\">\
         <p>Hello {},</p><p>Your teams this week (as of {}):</p>",
        esc(manager),
        esc(&as_of)
    );
    if teams.is_empty() {
        text.push_str("Nobody in your teams yet.\n");
        html.push_str("<p>Nobody in your teams yet.</p>");
    } else {
        for t in &teams {
            text.push_str(&format!("- {t}\n"));
        }
        html.push_str(&format!(
            "<ul>{}</ul>",
            teams.iter().map(|t| format!("<li>{}</li>", esc(t))).collect::<String>()
        ));
    }
    for (heading, people) in lists {
        if people.count == 0 {
            continue;
        }
        text.push_str(&format!("\n{heading} ({}):\n", people.count));
        html.push_str(&format!("<h3 style=\"font-size:1em\">{} ({})</h3><ul>", esc(heading), people.count));
        for l in &people.listed {
            text.push_str(&format!("- {}: {}\n  {}\n", l.name, l.detail, person_link(l.user_id)));
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a>: {}</li>",
                esc(&person_link(l.user_id)),
                esc(&l.name),
                esc(&l.detail)
            ));
        }
        let more = people.count - people.listed.len();
        if more > 0 {
            text.push_str(&format!("...and {more} more\n"));
            html.push_str(&format!("<li>…and {more} more</li>"));
        }
        html.push_str("</ul>");
    }
    if d.reviews_waiting > 0 {
        let reviews = format!("{base}/reviews");
        text.push_str(&format!("\nPractice takes waiting for your review: {}\n  {reviews}\n", d.reviews_waiting));
        html.push_str(&format!(
            "<p><a href=\"{}\">Practice takes waiting for your review: {}</a></p>",
            esc(&reviews),
            d.reviews_waiting
        ));
    }
    let team = format!("{base}/team");
    let why = "You get this because you manage a team.";
    text.push_str(&format!("\nYour team: {team}\n\n-- \nPrimer. {why} Unsubscribe: {unsubscribe}\n"));
    html.push_str(&format!(
        "<p><a href=\"{}\">Open your team</a></p><p style=\"font-size:.85em;color:#555\">{} <a href=\"{}\">Unsubscribe</a></p></body></html>",
        esc(&team),
        esc(why),
        esc(unsubscribe)
    ));
    Letter { subject, text, html, unsubscribe: Some(unsubscribe.to_owned()) }
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

    #[test]
    fn every_name_and_title_in_a_digest_is_escaped() {
        let hostile = "<img src=x onerror=alert(1)>";
        let line = |id| crate::reminders::digest::Line { user_id: id, name: hostile.into(), detail: hostile.into() };
        let d = Digest {
            as_of: "2027-01-11T08:05:00Z".parse().unwrap(),
            teams: vec![app::api::TeamFigures {
                name: hostile.into(),
                done: 3,
                total: 4,
                people: 2,
                overdue_people: 1,
            }],
            overdue: People { listed: vec![line(1)], count: 12 },
            expiring: People { listed: vec![line(2)], count: 1 },
            reviews_waiting: 2,
            stale: People { listed: vec![line(3)], count: 1 },
        };
        let letter = digest(hostile, &d, "Europe/Berlin", "https://p.example", "https://p.example/unsubscribe/t");
        assert!(!letter.html.contains("<img"), "{}", letter.html);
        assert_eq!(letter.html.matches("&lt;img").count(), 8, "greeting, team, three names and details");
        assert!(letter.text.contains("...and 11 more"), "{}", letter.text);
        assert!(letter.text.contains("75 % of required items done, 1 of 2 people with overdue items"));
        assert!(letter.text.contains("09:05 (Europe/Berlin)"), "the manager's time: {}", letter.text);
        assert_eq!(
            letter.subject,
            "Your teams this week: 12 overdue, 1 certificates expiring, 2 reviews waiting, 1 with stale data"
        );
    }

    #[test]
    fn reminders_name_what_each_item_is() {
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        let items = [
            Item {
                what: What::Module { id: 4 },
                title: "<b>Pitch</b>".into(),
                date: day("2027-01-08"),
                days_over: 3,
                reminders: 2,
            },
            Item {
                what: What::Certificate { id: 9 },
                title: "Aurora".into(),
                date: day("2027-01-18"),
                days_over: -7,
                reminders: 1,
            },
            Item { what: What::Device, title: String::new(), date: day("2027-01-01"), days_over: 10, reminders: 1 },
        ];
        let letter = reminder("Lee", &items, "https://p.example/", "https://p.example/unsubscribe/t");
        assert_eq!(letter.subject, "3 things in Primer need you");
        assert!(
            letter.text.contains("3 days overdue (due Fri 8 Jan)\n  https://p.example/modules/4"),
            "{}",
            letter.text
        );
        assert!(letter.text.contains("Your Aurora certificate: expires Mon 18 Jan, in 7 days"), "{}", letter.text);
        assert!(letter.text.contains("https://p.example/certificates/9"));
        assert!(letter.text.contains("last synced Fri 1 Jan, 10 days ago"), "{}", letter.text);
        assert!(letter.html.contains("&lt;b&gt;Pitch"));
        let one = reminder("Lee", &items[1..2], "https://p.example", "u");
        assert_eq!(one.subject, "Your Aurora certificate expires in 7 days");
        let gone = Item { days_over: 0, ..items[1].clone() };
        assert_eq!(reminder("Lee", &[gone], "https://p.example", "u").subject, "Your Aurora certificate expires today");
        assert_eq!(
            reminder("Lee", &items[2..], "https://p.example", "u").subject,
            "Your phone hasn't synced for 10 days"
        );
    }
}
