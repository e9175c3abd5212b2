//! One person, as their manager sees them (admins: anyone): how fresh their data is,
//! required work done, every item assigned to them by where it stands (overdue first),
//! their quiz results and certificates. Opened from Team.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{ErrorCode, ItemState, Me, PersonItem, PersonReport, RequestError, Role, is_stale, sync_label},
    client,
    components::{ErrorMessage, gate::signed_in, set_status},
    pages::certificates::{date_label, status_class, validity_label},
    reads,
};

#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let report = Resource::new(id, |id| {
        client::sendable(async move {
            match id {
                Some(id) => reads::read(reads::PersonReport { id }).await,
                None => Err(RequestError::new(ErrorCode::NotFound, "There is no such person.")),
            }
        })
    });
    view! {
        {signed_in(Role::MANAGERS, move |_me: Me| view! {
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(report) => view! { <Person report/> }.into_any(),
                        Err(error) => {
                            match error.code() {
                                Some(ErrorCode::Forbidden) => set_status(403),
                                Some(ErrorCode::NotFound) => set_status(404),
                                _ => {}
                            }
                            view! { <Title text="Person"/> <ErrorMessage error/> }.into_any()
                        }
                    }
                })}
            </Suspense>
        })}
    }
}

fn item_due(item: &PersonItem) -> String {
    let due = item.due_date.map(|d| format!("due {}", d.format("%-d %b %Y")));
    let done = item.completed_at.map(|at| format!("done {}", date_label(at)));
    let kind = if item.required { "Required" } else { "Suggested" };
    [Some(kind.to_string()), done.or(due)].into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

#[component]
fn Person(report: PersonReport) -> impl IntoView {
    let p = report.person;
    let now: DateTime<Utc> = report.generated_at;
    let stale = is_stale(p.last_sync_at, now);
    let detail = [p.job_role.clone(), p.team.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let required = if p.required_total == 0 {
        "Nothing required".to_string()
    } else {
        format!("{} of {} required done", p.required_done, p.required_total)
    };
    // By where they stand, in the order the server sent (overdue first).
    let groups: Vec<(ItemState, Vec<PersonItem>)> =
        [ItemState::Overdue, ItemState::DueSoon, ItemState::ToDo, ItemState::Done, ItemState::Unknown]
            .into_iter()
            .map(|state| (state, report.items.iter().filter(|i| i.state == state).cloned().collect::<Vec<_>>()))
            .filter(|(_, items)| !items.is_empty())
            .collect();
    view! {
        <Title text=p.name.clone()/>
        <a class="back" href="/team" data-testid="back-link">"← Your people"</a>
        <h1 data-testid="person-name">{p.name.clone()}</h1>
        <p class="muted">{detail}</p>
        <section class="card" data-testid="person-summary">
            <p class=if stale { "stale" } else { "" } data-testid="person-last-sync">
                {sync_label(p.last_sync_at, now)}
                {stale.then_some(" · what they did on a phone since isn't here yet")}
            </p>
            <div class="line">
                {(p.required_total > 0).then(|| view! {
                    <progress max=p.required_total.to_string() value=p.required_done.to_string()></progress>
                })}
                <span>{required}</span>
            </div>
        </section>
        {if groups.is_empty() {
            view! { <p class="card muted">"Nothing is assigned to them yet."</p> }.into_any()
        } else {
            groups.into_iter().map(|(state, items)| view! {
                <section class=if state == ItemState::Overdue { "card overdue-items" } else { "card" } data-testid="person-items">
                    <h2>{format!("{} ({})", state.label(), items.len())}</h2>
                    <ul class="plain items">
                        {items.into_iter().map(|i| view! {
                            <li data-testid="person-item" data-module-id=i.module_id.to_string()>
                                <span class="badge">{i.kind.label()}</span>" "
                                <span class="title">{i.title.clone()}</span>
                                <div class="small muted">{item_due(&i)}</div>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }).collect_view().into_any()
        }}
        <section class="card" data-testid="person-quizzes">
            <h2>"Quiz results"</h2>
            {if report.quizzes.is_empty() {
                view! { <p class="muted small">"No quiz answered yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {report.quizzes.into_iter().map(|q| view! {
                            <li>
                                <span class="title">{q.title.clone()}</span>
                                <div class="small muted">{format!(
                                    "Best {} % in {} attempt{} · {} · {}",
                                    q.best_score, q.attempts, if q.attempts == 1 { "" } else { "s" },
                                    if q.passed { "passed" } else { "not passed yet" }, date_label(q.at),
                                )}</div>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card" data-testid="person-certificates">
            <h2>"Certificates"</h2>
            {if p.certifications.is_empty() {
                view! { <p class="muted small">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {p.certifications.iter().map(|c| view! {
                            <li><span class=status_class(c.status)>{c.status.label()}</span>" "{c.title.clone()}
                                <div class="small muted">{validity_label(c.status, c.expires_at)}</div></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
