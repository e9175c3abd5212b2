//! Charts drawn on the server as SVG, so they show with JavaScript off and on any phone:
//! completions per week, and readiness by team. Plain bar charts with their numbers
//! written on them and a text description for screen readers.

use std::fmt::Write;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

/// Text made safe inside SVG.
use app::{api::TeamFigures, escape_html as escape};

const WIDTH: u32 = 640;
const BAR_AREA_TOP: u32 = 40;
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/// The Monday of the week `day` is in.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// Completions counted per week over the `weeks` weeks up to a day, as they come (the
/// people report counts them while it reads each person's progress).
#[derive(Debug, Clone)]
pub struct Weekly {
    first: NaiveDate,
    last: NaiveDate,
    counts: Vec<u32>,
}

impl Weekly {
    pub fn new(today: NaiveDate, weeks: u32) -> Weekly {
        let last = week_of(today);
        let first = last - Days::new(7 * u64::from(weeks.saturating_sub(1)));
        Weekly { first, last, counts: vec![0; weeks as usize] }
    }

    /// Counts one completion (outside the weeks: nothing).
    pub fn add(&mut self, at: DateTime<Utc>) {
        let week = week_of(at.date_naive());
        if week >= self.first && week <= self.last {
            self.counts[((week - self.first).num_days() / 7) as usize] += 1;
        }
    }

    /// Each week's Monday and count, oldest first.
    pub fn weeks(&self) -> Vec<(NaiveDate, u32)> {
        self.counts.iter().enumerate().map(|(i, n)| (self.first + Days::new(7 * i as u64), *n)).collect()
    }
}

/// Completions per week over the `weeks` weeks up to `today`, oldest first.
pub fn weekly(
    completions: impl IntoIterator<Item = DateTime<Utc>>,
    today: NaiveDate,
    weeks: u32,
) -> Vec<(NaiveDate, u32)> {
    let mut counted = Weekly::new(today, weeks);
    for at in completions {
        counted.add(at);
    }
    counted.weeks()
}

/// A vertical bar chart of completions per week.
pub fn completions_svg(weeks: &[(NaiveDate, u32)]) -> String {
    let height = 260;
    let base = height - 40;
    let max = weeks.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let slot = (WIDTH - 40) / weeks.len().max(1) as u32;
    let total: u32 = weeks.iter().map(|(_, n)| n).sum();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="t d" font-family="{FONT}">"##
    );
    let _ = write!(svg, r##"<title id="t">Modules completed per week</title>"##);
    let described: Vec<String> = weeks.iter().map(|(w, n)| format!("week of {}: {n}", w.format("%-d %b"))).collect();
    let _ = write!(
        svg,
        r##"<desc id="d">{} completions in {} weeks; {}.</desc>"##,
        total,
        weeks.len(),
        escape(&described.join(", "))
    );
    let _ = write!(svg, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = write!(
        svg,
        r##"<text x="20" y="24" font-size="15" font-weight="700" fill="#17212b">Modules completed per week</text>"##
    );
    let _ = write!(svg, r##"<line x1="20" y1="{base}" x2="{}" y2="{base}" stroke="#dfe3e8"/>"##, WIDTH - 20);
    for (i, (week, n)) in weeks.iter().enumerate() {
        let x = 20 + i as u32 * slot + slot / 6;
        let w = slot * 2 / 3;
        let h = (base - BAR_AREA_TOP) * n / max;
        let y = base - h;
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="3" fill="#1f5eff"><title>{n}</title></rect>"##
        );
        if *n > 0 {
            let _ = write!(
                svg,
                r##"<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="#17212b">{n}</text>"##,
                x + w / 2,
                y - 4
            );
        }
        // Every other week's date, so labels don't collide on a phone.
        if i % 2 == weeks.len() % 2 || weeks.len() <= 6 {
            let _ = write!(
                svg,
                r##"<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#5b6775">{}</text>"##,
                x + w / 2,
                base + 16,
                week.format("%-d %b")
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A team's figures in words: the chart's description, the weekly digest's line.
pub fn team_line(t: &TeamFigures) -> String {
    format!(
        "{}: {} % of required items done, {} of {} people with overdue items",
        t.name,
        t.percent(),
        t.overdue_people,
        t.people
    )
}

/// A horizontal bar per team: the share of required items done.
pub fn readiness_svg(teams: &[TeamFigures]) -> String {
    let row = 44;
    let height = 50 + row * teams.len().max(1) as u32;
    let label_w = 160;
    let bar_w = WIDTH - label_w - 90;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="t d" font-family="{FONT}">"##
    );
    let _ = write!(svg, r##"<title id="t">Readiness by team</title>"##);
    let described: Vec<String> = teams.iter().map(team_line).collect();
    let _ = write!(svg, r##"<desc id="d">{}.</desc>"##, escape(&described.join("; ")));
    let _ = write!(svg, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = write!(
        svg,
        r##"<text x="20" y="24" font-size="15" font-weight="700" fill="#17212b">Readiness by team (required items done)</text>"##
    );
    if teams.is_empty() {
        let _ = write!(svg, r##"<text x="20" y="64" font-size="13" fill="#5b6775">No teams with people yet.</text>"##);
    }
    for (i, t) in teams.iter().enumerate() {
        let y = 40 + i as u32 * row;
        let p = t.percent();
        let fill = if t.overdue_people > 0 { "#8a5a00" } else { "#137a3a" };
        let _ = write!(
            svg,
            r##"<text x="20" y="{}" font-size="13" fill="#17212b">{}</text>"##,
            y + 18,
            escape(&shorten(&t.name))
        );
        let _ =
            write!(svg, r##"<rect x="{label_w}" y="{}" width="{bar_w}" height="20" rx="4" fill="#eef1f4"/>"##, y + 4);
        let _ = write!(
            svg,
            r##"<rect x="{label_w}" y="{}" width="{}" height="20" rx="4" fill="{fill}"/>"##,
            y + 4,
            bar_w * p / 100
        );
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="13" font-weight="700" fill="#17212b">{p} %</text>"##,
            label_w + bar_w + 8,
            y + 19
        );
        let _ = write!(
            svg,
            r##"<text x="{label_w}" y="{}" font-size="11" fill="#5b6775">{} of {} with overdue items</text>"##,
            y + 38,
            t.overdue_people,
            t.people
        );
    }
    svg.push_str("</svg>");
    svg
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= 22 {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(21).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn completions_fall_in_their_week() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let weeks = weekly(
            [
                at("2026-11-23T09:00:00Z"),
                at("2026-11-22T23:00:00Z"),
                at("2026-11-16T08:00:00Z"),
                at("2025-01-01T00:00:00Z"),
            ],
            day("2026-11-25"),
            3,
        );
        assert_eq!(weeks, [(day("2026-11-09"), 0), (day("2026-11-16"), 2), (day("2026-11-23"), 1)]);
        let svg = completions_svg(&weeks);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("3 completions in 3 weeks"));
    }

    #[test]
    fn team_names_are_escaped() {
        let svg = readiness_svg(&[TeamFigures {
            name: "<North & South>".into(),
            done: 3,
            total: 4,
            overdue_people: 1,
            people: 2,
        }]);
        assert!(svg.contains("&lt;North &amp; South&gt;") && !svg.contains("<North"));
        assert!(svg.contains("75 %"));
    }
}
