//! Team: readiness of the people a manager is responsible for (admins: everyone), at
//! risk first: required items done, overdue and due soon per onboarding tier,
//! certifications, the latest quiz, and how fresh each person's data is (last sync),
//! so nobody mistakes an offline phone for an idle learner. Filters are a plain GET form
//! and the same filters download as CSV.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{DueItem, ErrorCode, Me, PeopleReport, PersonReadiness, RequestError, Role, ago, onboarding_day},
    client,
    components::{ErrorMessage, gate::signed_in, set_status},
    pages::certificates::{status_class, validity_label},
};

/// The report's query string from the page's: the filters it knows, nothing else.
fn report_query(team_id: Option<String>, overdue_only: bool) -> String {
    let mut parts = Vec::new();
    if let Some(team) = team_id.filter(|t| t.parse::<i64>().is_ok()) {
        parts.push(format!("team_id={team}"));
    }
    if overdue_only {
        parts.push("overdue_only=true".to_string());
    }
    parts.join("&")
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let query = use_query_map();
    let filters =
        move || query.with(|q| (q.get("team_id"), q.get("overdue_only").is_some_and(|v| v == "true" || v == "1")));
    let report =
        Resource::new(filters, |(team, overdue)| client::sendable(client::people_report(report_query(team, overdue))));
    view! {
        <Title text="Team"/>
        {signed_in(&[Role::Manager, Role::Admin], move |me: Me| view! { <Team me report filters=Signal::derive(filters)/> })}
    }
}

fn due_label(d: Option<NaiveDate>) -> String {
    d.map(|d| format!(" (due {})", d.format("%-d %b"))).unwrap_or_default()
}

fn items_text(items: &[DueItem]) -> String {
    items.iter().map(|i| format!("{}{}", i.title, due_label(i.due_date))).collect::<Vec<_>>().join(", ")
}

#[component]
fn Team(
    me: Me,
    report: Resource<Result<PeopleReport, RequestError>>,
    filters: Signal<(Option<String>, bool)>,
) -> impl IntoView {
    let scope = if me.user.role == Role::Admin {
        "Everyone in Primer.".to_string()
    } else if me.user.manages.is_empty() {
        "You aren't responsible for any team yet.".to_string()
    } else {
        format!("The people in {}.", me.user.manages.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", "))
    };
    let today = me.today;
    view! {
        <h1>"Your people"</h1>
        <p class="muted">{scope}</p>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Readiness report today filters/> }.into_any(),
                    Err(error) => {
                        match error.code() {
                            Some(ErrorCode::Forbidden) => set_status(403),
                            Some(ErrorCode::NotFound) => set_status(404),
                            _ => {}
                        }
                        view! { <ErrorMessage error/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn Readiness(report: PeopleReport, today: NaiveDate, filters: Signal<(Option<String>, bool)>) -> impl IntoView {
    let (team, overdue_only) = filters.get_untracked();
    let csv = {
        let q = report_query(team.clone(), overdue_only);
        if q.is_empty() {
            "/api/v1/reports/people?format=csv".to_string()
        } else {
            format!("/api/v1/reports/people?format=csv&{q}")
        }
    };
    let now = report.generated_at;
    let total = report.people.len();
    let at_risk = report.people.iter().filter(|p| !p.overdue.is_empty()).count();
    let (done, required) = report.people.iter().fold((0, 0), |(d, t), p| (d + p.required_done, t + p.required_total));
    let mut people = report.people;
    // At risk first: the most overdue, then the least done.
    people.sort_by_key(|p| {
        (std::cmp::Reverse(p.overdue.len()), p.required_done * 100 / p.required_total.max(1), p.name.to_lowercase())
    });
    let teams = report.teams;
    view! {
        <form class="filters line" method="get" action="/team" data-testid="team-filters">
            {(teams.len() > 1).then(|| view! {
                <label>"Team "
                    <select name="team_id">
                        <option value="">"All my teams"</option>
                        {teams.iter().map(|t| view! {
                            <option value=t.id.to_string() selected=team.as_deref() == Some(t.id.to_string().as_str())>{t.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
            })}
            <label class="check"><input type="checkbox" name="overdue_only" value="true" checked=overdue_only/>" Only people with overdue items"</label>
            <button type="submit" class="secondary">"Show"</button>
            <a class="small" href=csv data-testid="people-csv" download>"Download CSV"</a>
        </form>
        <Charts query=report_query(team.clone(), false)/>
        <section class="card summary" data-testid="team-summary">
            <p><strong>{total}</strong>" people · "<strong>{at_risk}</strong>" with overdue required items · "
                <strong>{format!("{} %", (done * 100).checked_div(required).unwrap_or(100))}</strong>" of required items done"</p>
        </section>
        {if people.is_empty() {
            view! { <p class="card muted">"Nobody to show. An admin adds people to teams and teams to managers."</p> }.into_any()
        } else {
            view! {
                <ul class="people readiness" data-testid="people-list">
                    {people.into_iter().map(|p| view! { <PersonCard p now today/> }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// The charts, drawn by the server: they show with JavaScript off too.
#[component]
fn Charts(query: String) -> impl IntoView {
    let url = |name: &str| {
        if query.is_empty() {
            format!("/api/v1/reports/charts/{name}.svg")
        } else {
            format!("/api/v1/reports/charts/{name}.svg?{query}")
        }
    };
    let (readiness, completions) = (url("readiness"), url("completions"));
    view! {
        <section class="card charts" data-testid="charts">
            <figure>
                <img src=readiness.clone() alt="Readiness by team: share of required items done" loading="lazy" width="640" height="94"/>
                <figcaption><a href=readiness rel="external" data-testid="open-readiness-chart">"Open the readiness chart"</a></figcaption>
            </figure>
            <figure>
                <img src=completions.clone() alt="Modules completed per week, last 12 weeks" loading="lazy" width="640" height="260"/>
                <figcaption><a href=completions rel="external" data-testid="open-completions-chart">"Open the completions chart"</a></figcaption>
            </figure>
        </section>
    }
}

#[component]
fn PersonCard(p: PersonReadiness, now: DateTime<Utc>, today: NaiveDate) -> impl IntoView {
    let onboarding = p.start_date.map(|start| match onboarding_day(start, today) {
        Some(day) => format!("day {day} since start"),
        None => format!("starts {}", start.format("%-d %b")),
    });
    let fresh = p.last_sync_at.is_some_and(|at| now - at < chrono::TimeDelta::days(2));
    let sync = format!("Data as of {}", ago(p.last_sync_at, now));
    let percent = p.required_done * 100 / p.required_total.max(1);
    view! {
        <li data-testid="person" data-user-id=p.user_id.to_string()>
            <div class="line">
                <span class="name">{p.name.clone()}</span>
                {p.team.clone().map(|t| view! { <span class="badge">{t}</span> })}
                <span class=if fresh { "small muted" } else { "small stale" } data-testid="last-sync"
                    title=p.last_sync_at.map(|t| t.to_rfc3339()).unwrap_or_default()>{sync}</span>
            </div>
            <div class="muted small">
                {[p.job_role.clone(), onboarding].into_iter().flatten().collect::<Vec<_>>().join(" · ")}
            </div>
            <div class="line small">
                <progress max=p.required_total.max(1).to_string() value=p.required_done.to_string()></progress>
                <span>{format!("{} of {} required done ({percent} %)", p.required_done, p.required_total)}</span>
            </div>
            {(!p.tiers.is_empty()).then(|| view! {
                <div class="small tiers">
                    {p.tiers.iter().map(|t| view! {
                        <span class=if t.done == t.total { "badge ok" } else { "badge" }>{format!("{}: {}/{}", t.tier.label(), t.done, t.total)}</span>
                    }).collect_view()}
                </div>
            })}
            {(!p.overdue.is_empty()).then(|| view! {
                <p class="small overdue" data-testid="overdue">{format!("Overdue: {}", items_text(&p.overdue))}</p>
            })}
            {(!p.due_soon.is_empty()).then(|| view! {
                <p class="small">{format!("Due soon: {}", items_text(&p.due_soon))}</p>
            })}
            {(!p.certifications.is_empty()).then(|| view! {
                <div class="small">
                    {p.certifications.iter().map(|c| view! {
                        <span class=status_class(c.status)>{format!("★ {} · {}", c.title, validity_label(c.status, c.expires_at))}</span>
                    }).collect_view()}
                </div>
            })}
            {p.latest_quiz.clone().map(|q| view! {
                <p class="small muted">{format!("Latest quiz: {} · best {} % in {} attempt{}{}", q.title, q.best_score, q.attempts,
                    if q.attempts == 1 { "" } else { "s" }, if q.passed { " · passed" } else { " · not passed yet" })}</p>
            })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_known_filters_reach_the_report() {
        assert_eq!(super::report_query(Some("3".into()), true), "team_id=3&overdue_only=true");
        assert_eq!(super::report_query(Some("3&x=1".into()), false), "");
        assert_eq!(super::report_query(None, false), "");
    }
}
