//! Team: readiness of the people a manager is responsible for (admins: everyone), at
//! risk first: required items done, overdue and due soon per onboarding tier,
//! certifications, the latest quiz, and how fresh each person's data is (last sync),
//! so nobody mistakes an offline phone for an idle learner. On a phone the people come
//! first; filtering and sorting sit behind one toggle (a plain GET form), and the charts
//! (drawn as HTML for the width they get, so they read on a phone and offline) and the
//! CSV of the same filters come after the list. Each person opens their own page.

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        DueItem, ErrorCode, Me, PeopleReport, PersonReadiness, RequestError, Role, TeamFigures, WeekCount,
        boosters::{BANDS, Retention, Share, TeamRetention},
        is_stale, onboarding_day, sync_label,
    },
    client,
    components::{Bar, ErrorMessage, gate::signed_in, set_status},
    pages::certificates::{status_class, validity_label},
    reads,
};

/// The page's filters and order, read from its address.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub team_id: Option<String>,
    pub overdue_only: bool,
    pub stale_only: bool,
    pub sort: Sort,
}

/// The order of the list of people.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// The most overdue first, then the least done.
    #[default]
    Risk,
    /// The longest without a sync first (never synced first of all).
    Stale,
    Name,
}

impl Sort {
    const ALL: [(Sort, &'static str, &'static str); 3] = [
        (Sort::Risk, "risk", "At risk first"),
        (Sort::Stale, "stale", "Oldest data first"),
        (Sort::Name, "name", "By name"),
    ];

    fn parse(s: &str) -> Sort {
        Sort::ALL.into_iter().find(|(_, key, _)| *key == s).map_or(Sort::Risk, |(sort, ..)| sort)
    }
}

/// The report's query string from the filters: the ones it knows, nothing else.
/// `team_id=3`, if a team is picked (and is one).
fn team_query(filters: &Filters) -> Option<String> {
    filters.team_id.as_ref().filter(|t| t.parse::<i64>().is_ok()).map(|team| format!("team_id={team}"))
}

fn report_query(filters: &Filters) -> String {
    let mut parts = Vec::new();
    parts.extend(team_query(filters));
    if filters.overdue_only {
        parts.push("overdue_only=true".to_string());
    }
    if filters.stale_only {
        parts.push("stale_only=true".to_string());
    }
    parts.join("&")
}

/// Puts people in the order picked.
pub fn sort_people(people: &mut [PersonReadiness], sort: Sort) {
    match sort {
        // Nothing required is nothing at risk: 100 % done.
        Sort::Risk => people.sort_by_key(|p| {
            let done = (p.required_done * 100).checked_div(p.required_total).unwrap_or(100);
            (std::cmp::Reverse(p.overdue.len()), done, p.name.to_lowercase())
        }),
        // `None` (never synced) sorts before any time.
        Sort::Stale => people.sort_by_key(|p| (p.last_sync_at, p.name.to_lowercase())),
        Sort::Name => people.sort_by_key(|p| p.name.to_lowercase()),
    }
}

/// "1 person", "6 people".
fn people_count(n: usize) -> String {
    if n == 1 { "1 person".to_string() } else { format!("{n} people") }
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let query = use_query_map();
    let truthy = |v: Option<String>| v.is_some_and(|v| v == "true" || v == "1");
    let filters = Memo::new(move |_| {
        query.with(|q| Filters {
            team_id: q.get("team_id"),
            overdue_only: truthy(q.get("overdue_only")),
            stale_only: truthy(q.get("stale_only")),
            sort: Sort::parse(&q.get("sort").unwrap_or_default()),
        })
    });
    // The order is the page's own: changing it reads nothing again.
    let report = Resource::new(
        move || report_query(&filters.get()),
        |q| client::sendable(reads::read(reads::PeopleReport { query: q })),
    );
    view! {
        <Title text="Team"/>
        {signed_in(Role::MANAGERS, move |me: Me| view! { <Team me report filters=filters.into()/> })}
    }
}

fn due_label(d: Option<NaiveDate>) -> String {
    d.map(|d| format!("due {}", d.format("%-d %b"))).unwrap_or_default()
}

/// Items as a list: each title, with its due date.
#[component]
fn DueList(items: Vec<DueItem>) -> impl IntoView {
    view! {
        <ul class="due-list">
            {items.into_iter().map(|i| view! {
                <li><span>{i.title}</span>" "<span class="muted">{due_label(i.due_date)}</span></li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn Team(me: Me, report: Resource<Result<PeopleReport, RequestError>>, filters: Signal<Filters>) -> impl IntoView {
    let scope = if me.user.role == Role::Admin {
        "Everyone in Primer.".to_string()
    } else if me.user.manages.is_empty() {
        "You aren't responsible for any team yet.".to_string()
    } else {
        format!("The people in {}.", me.user.manages.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", "))
    };
    let today = me.today;
    let reviews = Resource::new(|| (), |_| client::sendable(reads::read(reads::Reviews)));
    let retention = Resource::new(
        move || filters.with(team_query),
        |q| client::sendable(reads::read(reads::Retention { query: q.unwrap_or_default() })),
    );
    view! {
        <h1>"Your people"</h1>
        <p class="muted">{scope}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Takes waiting for this manager's review, and how long the oldest has.
                let waiting = reviews.await.unwrap_or_default();
                let oldest = waiting.iter().map(|w| w.submitted_at).min()?;
                let count = waiting.len();
                let text = format!(
                    "{count} take{} waiting for your review · the oldest sent {}",
                    if count == 1 { "" } else { "s" },
                    crate::device::ago(oldest, crate::device::now()),
                );
                Some(view! {
                    <p class="card line" data-testid="reviews-waiting">
                        <span>{text}</span>
                        <a class="button" href="/reviews">"Review"</a>
                    </p>
                })
            })}
        </Suspense>
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
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move { retention.await.ok().map(|r| view! { <RetentionTable report=r/> }) })}
        </Suspense>
    }
}

/// "67 % of 12", or "–" with nothing to count.
fn share_text(s: Share) -> String {
    s.percent().map_or("–".to_string(), |p| format!("{p} % of {}", s.of))
}

/// What people still know: first tries against boosters, by how long after, for
/// everyone in scope and per person.
#[component]
fn RetentionTable(report: TeamRetention) -> impl IntoView {
    let row = |name: String, r: &Retention| {
        view! {
            <tr data-testid="retention-row">
                <th scope="row">{name}</th>
                <td>{share_text(r.first_try)}</td>
                {r.boosters.iter().map(|b| view! { <td>{share_text(*b)}</td> }).collect_view()}
            </tr>
        }
    };
    view! {
        <section class="card" data-testid="retention">
            <h2>"Retention"</h2>
            <p class="small muted">"Quiz questions answered right the first time, and as boosters later (missed questions, and one in four of those got right, come back until answered right twice in a row)."</p>
            {if report.people.is_empty() {
                view! { <p class="muted">"No quiz answered yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="figures">
                            <thead><tr>
                                <th scope="col">"Person"</th><th scope="col">"First try"</th>
                                {BANDS.iter().map(|(_, name)| view! { <th scope="col">{format!("Boosters: {}", name.to_lowercase())}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {row("Everyone".to_string(), &report.everyone)}
                                {report.people.iter().map(|p| row(p.name.clone(), &p.retention)).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// A module's retention as bars: first tries, then boosters by how long after.
#[component]
pub fn RetentionBars(retention: Retention) -> impl IntoView {
    let bar = |label: String, s: Share| {
        view! {
            <li data-testid="retention-bar">
                <span class="bar-label">{label}</span>
                <Bar percent=s.percent().map_or(0.0, f64::from)/>
                <span class="bar-value">{share_text(s)}</span>
            </li>
        }
    };
    let any = retention.has_boosters();
    let bands = move |shares: &[Share], what: &'static str| {
        BANDS
            .iter()
            .zip(shares)
            .filter(|(_, s)| s.of > 0)
            .map(|((_, name), s)| bar(format!("{what}: {}", name.to_lowercase()), *s))
            .collect_view()
    };
    view! {
        <ul class="bars" aria-label="Answers right: first tries, then boosters">
            {bar("First try".to_string(), retention.first_try)}
            {bands(&retention.boosters, "Boosters")}
            {bands(&retention.known, "Known at first, as boosters")}
        </ul>
        {(!any).then(|| view! { <p class="small muted">"No booster answered yet."</p> })}
    }
}

#[component]
fn Readiness(report: PeopleReport, today: NaiveDate, filters: Signal<Filters>) -> impl IntoView {
    let current = filters.get_untracked();
    let csv = {
        let q = report_query(&current);
        if q.is_empty() {
            "/api/v1/reports/people?format=csv".to_string()
        } else {
            format!("/api/v1/reports/people?format=csv&{q}")
        }
    };
    let now = report.generated_at;
    let total = report.people.len();
    let at_risk = report.people.iter().filter(|p| !p.overdue.is_empty()).count();
    let stale = report.people.iter().filter(|p| is_stale(p.last_sync_at, now)).count();
    let (done, required) = report.people.iter().fold((0, 0), |(d, t), p| (d + p.required_done, t + p.required_total));
    let teams_readiness = crate::api::by_team(&report.people);
    let weeks = report.completions_per_week.clone();
    let people = StoredValue::new(report.people);
    let teams = report.teams;
    let filtering =
        current.team_id.is_some() || current.overdue_only || current.stale_only || current.sort != Sort::Risk;
    let done_text = match (done * 100).checked_div(required) {
        None => "nothing required yet".to_string(),
        Some(percent) => format!("{percent} % of required items done"),
    };
    view! {
        <section class="card summary" data-testid="team-summary">
            <p><strong>{people_count(total)}</strong>" · "<strong>{at_risk}</strong>" with overdue required items · "
                <strong>{stale}</strong>" with stale data · "{done_text}</p>
        </section>
        <details class="card filters-toggle" open=filtering data-testid="team-filters-toggle">
            <summary>"Filter and sort"</summary>
            <form class="filters" method="get" action="/team" data-testid="team-filters">
                {(teams.len() > 1).then(|| view! {
                    <label>"Team"
                        <select name="team_id">
                            <option value="">"All my teams"</option>
                            {teams.iter().map(|t| view! {
                                <option value=t.id.to_string() selected=current.team_id.as_deref() == Some(t.id.to_string().as_str())>{t.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
                <label class="check"><input type="checkbox" name="overdue_only" value="true" checked=current.overdue_only/>" Only people with overdue items"</label>
                <label class="check"><input type="checkbox" name="stale_only" value="true" checked=current.stale_only/>" Only people whose data is stale (no sync for 2 days)"</label>
                <label>"Order"
                    <select name="sort" data-testid="team-sort">
                        {Sort::ALL.into_iter().map(|(sort, key, label)| view! {
                            <option value=key selected=current.sort == sort>{label}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="secondary">"Show"</button>
            </form>
        </details>
        {move || {
            let mut list = people.get_value();
            sort_people(&mut list, filters.get().sort);
            if list.is_empty() {
                view! { <p class="card muted">"Nobody to show. An admin adds people to teams and teams to managers."</p> }.into_any()
            } else {
                view! {
                    <ul class="people readiness" data-testid="people-list">
                        {list.into_iter().map(|p| view! { <PersonCard p now today/> }).collect_view()}
                    </ul>
                }.into_any()
            }
        }}
        <Charts teams=teams_readiness weeks/>
        <p><a class="button secondary" href=csv data-testid="people-csv" download>"Download CSV"</a></p>
    }
}

/// The charts, as HTML: they take the width they get, read on a phone, label every
/// series, and are part of the page (so its saved copy has them offline).
#[component]
fn Charts(teams: Vec<TeamFigures>, weeks: Vec<WeekCount>) -> impl IntoView {
    let most = weeks.iter().map(|w| w.completed).max().unwrap_or(0).max(1);
    let completed: u32 = weeks.iter().map(|w| w.completed).sum();
    view! {
        <section class="card charts" data-testid="charts">
            <figure data-testid="readiness-chart">
                <figcaption><h2>"Readiness by team"</h2>"Share of required items done, of the people listed."</figcaption>
                {if teams.is_empty() {
                    view! { <p class="muted small">"No teams with people yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="bars wide">
                            {teams.into_iter().map(|t| {
                                let percent = t.percent();
                                view! {
                                    <li class={if t.overdue_people > 0 { "warn" } else { "ok" }} data-testid="chart-team">
                                        <span class="bar-label">{t.name.clone()}</span>
                                        <Bar percent=f64::from(percent)/>
                                        <span class="bar-value">{format!("{percent} %")}</span>
                                        <span class="bar-note small muted">{format!("{} of {} with overdue items", t.overdue_people, people_count(t.people as usize))}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <p class="legend small">
                            <span class="swatch ok" aria-hidden="true"></span>" Nobody overdue "
                            <span class="swatch warn" aria-hidden="true"></span>" Someone overdue"
                        </p>
                    }.into_any()
                }}
            </figure>
            <figure data-testid="completions-chart">
                <figcaption>
                    <h2>"Modules completed per week"</h2>
                    {format!("{completed} in the last {} weeks, by the week's Monday.", weeks.len())}
                </figcaption>
                <ul class="bars">
                    {weeks.into_iter().map(|w| view! {
                        <li class="brand" data-testid="chart-week">
                            <span class="bar-label">{w.week_of.format("%-d %b").to_string()}</span>
                            <Bar percent=f64::from(w.completed * 100 / most)/>
                            <span class="bar-value">{w.completed}</span>
                        </li>
                    }).collect_view()}
                </ul>
                <p class="legend small"><span class="swatch brand" aria-hidden="true"></span>" Modules completed"</p>
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
    let stale = is_stale(p.last_sync_at, now);
    let sync = sync_label(p.last_sync_at, now);
    let percent = p.required_done * 100 / p.required_total.max(1);
    let required = if p.required_total == 0 {
        "Nothing required".to_string()
    } else {
        format!("{} of {} required done ({percent} %)", p.required_done, p.required_total)
    };
    view! {
        <li data-testid="person" data-user-id=p.user_id.to_string()>
            <div class="line">
                <a class="name" href=format!("/team/people/{}", p.user_id) data-testid="person-link">{p.name.clone()}</a>
                {p.team.clone().map(|t| view! { <span class="badge">{t}</span> })}
                <span class=if stale { "small stale" } else { "small muted" } data-testid="last-sync"
                    title=p.last_sync_at.map(|t| t.to_rfc3339()).unwrap_or_default()>{sync}</span>
            </div>
            <div class="muted small">
                {[p.job_role.clone(), onboarding].into_iter().flatten().collect::<Vec<_>>().join(" · ")}
            </div>
            <div class="line small">
                {(p.required_total > 0).then(|| view! {
                    <progress max=p.required_total.to_string() value=p.required_done.to_string()></progress>
                })}
                <span>{required}</span>
            </div>
            {(!p.tiers.is_empty()).then(|| view! {
                <div class="small tiers">
                    {p.tiers.iter().map(|t| view! {
                        <span class=if t.done == t.total { "badge ok" } else { "badge" }>{format!("{}: {}/{}", t.tier.label(), t.done, t.total)}</span>
                    }).collect_view()}
                </div>
            })}
            {(!p.overdue.is_empty()).then(|| view! {
                <div class="small overdue" data-testid="overdue">
                    <span>{format!("Overdue ({})", p.overdue.len())}</span>
                    <DueList items=p.overdue.clone()/>
                </div>
            })}
            {(!p.due_soon.is_empty()).then(|| view! {
                <div class="small" data-testid="due-soon">
                    <span>"Due soon"</span>
                    <DueList items=p.due_soon.clone()/>
                </div>
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
    use super::*;

    #[test]
    fn only_known_filters_reach_the_report() {
        let f = |team: Option<&str>, overdue_only, stale_only| Filters {
            team_id: team.map(String::from),
            overdue_only,
            stale_only,
            sort: Sort::Name,
        };
        assert_eq!(report_query(&f(Some("3"), true, true)), "team_id=3&overdue_only=true&stale_only=true");
        assert_eq!(report_query(&f(Some("3&x=1"), false, false)), "");
        assert_eq!(report_query(&f(None, false, false)), "");
        assert_eq!(Sort::parse("stale"), Sort::Stale);
        assert_eq!(Sort::parse("<b>"), Sort::Risk);
        assert_eq!(people_count(1), "1 person");
        assert_eq!(people_count(0), "0 people");
    }

    #[test]
    fn people_sort_by_risk_by_stale_data_and_by_name() {
        let at = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        let person = |id: i64, name: &str, overdue: usize, done: u32, last_sync_at| PersonReadiness {
            user_id: id,
            name: name.into(),
            email: String::new(),
            team_id: None,
            team: None,
            job_role: None,
            start_date: None,
            required_done: done,
            required_total: 4,
            overdue: (0..overdue)
                .map(|i| DueItem { module_id: i as i64, title: String::new(), due_date: None })
                .collect(),
            due_soon: vec![],
            tiers: vec![],
            certifications: vec![],
            latest_quiz: None,
            last_activity_at: None,
            last_sync_at,
        };
        let mut people = vec![
            person(1, "Ana", 0, 4, at("2026-06-01T10:00:00Z")),
            person(2, "Ben", 2, 1, None),
            person(3, "Cai", 1, 0, at("2026-05-01T10:00:00Z")),
        ];
        let ids = |p: &[PersonReadiness]| p.iter().map(|p| p.user_id).collect::<Vec<_>>();
        sort_people(&mut people, Sort::Risk);
        assert_eq!(ids(&people), [2, 3, 1]);
        sort_people(&mut people, Sort::Stale);
        assert_eq!(ids(&people), [2, 3, 1], "never synced, then the oldest sync");
        sort_people(&mut people, Sort::Name);
        assert_eq!(ids(&people), [1, 2, 3]);
    }
}
