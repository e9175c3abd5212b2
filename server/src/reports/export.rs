//! CSV exports of the reports: their columns, one record per row (the same figures as the
//! JSON), cells defused for spreadsheets, and the response that streams as rows arrive.

use app::api::{ModuleFigures, PathFigures, PersonReadiness, Tier};
use axum::{
    body::{Body, Bytes},
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::error::ApiError;

/// Rows a CSV chunk gathers before it is sent.
const CSV_CHUNK_BYTES: usize = 32 * 1024;

/// The people report's CSV columns.
pub const PEOPLE_CSV_HEADER: [&str; 19] = [
    "Name",
    "Email",
    "Team",
    "Job role",
    "Start date",
    "Required done",
    "Required total",
    "Overdue",
    "Overdue items",
    "Due soon",
    "30 days",
    "60 days",
    "90 days",
    "Later",
    "Certifications",
    "Latest quiz",
    "Latest quiz best score",
    "Last activity",
    "Last sync",
];

fn time_cell(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)).unwrap_or_default()
}

/// One person as a CSV record (the same figures as the JSON row).
pub fn person_csv(p: &PersonReadiness) -> Vec<String> {
    let tier =
        |t: Tier| p.tiers.iter().find(|x| x.tier == t).map(|x| format!("{}/{}", x.done, x.total)).unwrap_or_default();
    let items = |list: &[app::api::DueItem]| {
        list.iter()
            .map(|i| match i.due_date {
                Some(d) => format!("{} (due {d})", i.title),
                None => i.title.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    vec![
        p.name.clone(),
        p.email.clone(),
        p.team.clone().unwrap_or_default(),
        p.job_role.clone().unwrap_or_default(),
        p.start_date.map(|d| d.to_string()).unwrap_or_default(),
        p.required_done.to_string(),
        p.required_total.to_string(),
        p.overdue.len().to_string(),
        items(&p.overdue),
        p.due_soon.len().to_string(),
        tier(Tier::Days30),
        tier(Tier::Days60),
        tier(Tier::Days90),
        tier(Tier::Later),
        p.certifications
            .iter()
            .map(|c| match c.expires_at {
                Some(e) => format!("{} ({}, until {})", c.title, c.status.as_str(), e.date_naive()),
                None => format!("{} ({})", c.title, c.status.as_str()),
            })
            .collect::<Vec<_>>()
            .join("; "),
        p.latest_quiz.as_ref().map(|q| q.title.clone()).unwrap_or_default(),
        p.latest_quiz.as_ref().map(|q| q.best_score.to_string()).unwrap_or_default(),
        time_cell(p.last_activity_at),
        time_cell(p.last_sync_at),
    ]
}

/// A cell as a spreadsheet will take it: text that starts like a formula (`=`, `+`, `-`,
/// `@`, a tab or a carriage return: OWASP's list) gets a leading `'`, so a title or a name
/// someone typed is shown, never run.
pub fn defused(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell }
}

/// A CSV response whose body is written as rows arrive: `header`, then each row through
/// `record` (every cell [`defused`]). A failure after the first byte ends the body with
/// an error, so the download fails instead of looking complete.
pub(super) fn response<T: Send + 'static>(
    filename: &str,
    header: &'static [&'static str],
    rows: mpsc::Receiver<Result<T, ApiError>>,
    record: fn(&T) -> Vec<String>,
) -> Response {
    struct State<T> {
        rows: mpsc::Receiver<Result<T, ApiError>>,
        header: Option<&'static [&'static str]>,
        done: bool,
    }
    let state = State { rows, header: Some(header), done: false };
    let body = futures_util::stream::unfold(state, move |mut state| async move {
        if state.done {
            return None;
        }
        let mut out = ::csv::Writer::from_writer(Vec::with_capacity(CSV_CHUNK_BYTES + 1024));
        if let Some(header) = state.header.take() {
            let _ = out.write_record(header);
        }
        loop {
            match state.rows.recv().await {
                Some(Ok(row)) => {
                    let _ = out.write_record(record(&row).into_iter().map(defused));
                    if out.get_ref().len() >= CSV_CHUNK_BYTES {
                        break;
                    }
                }
                Some(Err(e)) => {
                    tracing::error!(error = ?e, "a CSV export failed half-way");
                    state.done = true;
                    return Some((Err(std::io::Error::other("the export failed")), state));
                }
                None => {
                    state.done = true;
                    break;
                }
            }
        }
        let bytes = out.into_inner().unwrap_or_default();
        Some((Ok::<_, std::io::Error>(Bytes::from(bytes)), state))
    })
    // The compression layer (every browser asks for gzip or br) polls the body once more
    // after its end; an `unfold` panics there, and the download came out empty.
    .fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The module report's CSV columns.
pub const MODULES_CSV_HEADER: [&str; 14] = [
    "Module",
    "Kind",
    "Assigned",
    "Started",
    "Completed",
    "Completion rate (%)",
    "Median seconds",
    "Average score (%)",
    "Most missed question",
    "Missed (%)",
    "Answers",
    "Rating",
    "Ratings",
    "Module id",
];

/// The path table's CSV columns.
pub const PATHS_CSV_HEADER: [&str; 8] =
    ["Path", "Steps", "Assigned", "Started", "Completed", "Completion rate (%)", "Median days", "Path id"];

fn number(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// One module as a CSV record.
pub fn module_csv(m: &ModuleFigures) -> Vec<String> {
    vec![
        m.title.clone(),
        m.kind.as_str().to_string(),
        m.assigned.to_string(),
        m.started.to_string(),
        m.completed.to_string(),
        number(m.completion_rate),
        m.median_seconds.map(|s| s.to_string()).unwrap_or_default(),
        number(m.average_score),
        m.most_missed.as_ref().map(|q| format!("{}. {}", q.index + 1, q.prompt)).unwrap_or_default(),
        number(m.most_missed.as_ref().map(|q| q.missed_percent)),
        m.most_missed.as_ref().map(|q| q.answers.to_string()).unwrap_or_default(),
        number(m.rating_average),
        m.ratings.to_string(),
        m.module_id.to_string(),
    ]
}

/// One path as a CSV record.
pub fn path_csv(p: &PathFigures) -> Vec<String> {
    vec![
        p.title.clone(),
        p.steps.to_string(),
        p.assigned.to_string(),
        p.started.to_string(),
        p.completed.to_string(),
        number(p.completion_rate),
        number(p.median_days),
        p.path_id.to_string(),
    ]
}
