//! The assignment editor: a module or a path, to a job role and/or a team, required or
//! suggested, due some days after each person's start (30/60/90) or on a date. Before
//! saving, it says who would be overdue the moment it is saved, and offers a grace
//! period (due the days after the later of each start and today).

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{STUDIO_ROLES, StudioTabs};
use crate::{
    api::{Assignment, AssignmentInput, AssignmentPreview, LearningPath, Me, ModuleSummary, RequestError, Team},
    client,
    components::{ErrorMessage, gate::signed_in},
    reads,
};

#[component]
pub fn AssignmentsPage() -> impl IntoView {
    let assignments = Resource::new(|| (), |_| client::sendable(reads::read(reads::Assignments)));
    let modules = Resource::new(|| (), |_| client::sendable(reads::read(reads::Modules)));
    let paths = Resource::new(|| (), |_| client::sendable(reads::read(reads::Paths)));
    let teams = Resource::new(|| (), |_| client::sendable(reads::read(reads::Teams)));
    view! {
        <Title text="Assignments"/>
        {signed_in(STUDIO_ROLES, move |_me: Me| view! {
            <h1>"Assignments"</h1>
            <StudioTabs current="/studio/assignments"/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let (modules, paths, teams) = (modules.await, paths.await, teams.await);
                    match (modules, paths, teams) {
                        (Ok(m), Ok(p), Ok(t)) => view! { <NewAssignment modules=m paths=p teams=t assignments/> }.into_any(),
                        (Err(error), ..) | (_, Err(error), _) | (.., Err(error)) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Suspense>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match assignments.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"Nothing is assigned yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <JobRoles assignments=list.clone()/>
                            <ul class="people" data-testid="assignment-list">
                                {list.into_iter().map(|a| view! { <li><AssignmentRow assignment=a assignments/></li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        })}
    }
}

/// The job roles assignments use, offered by the form's job role field (pick one rather
/// than type a variant; a new one is typed).
#[component]
fn JobRoles(assignments: Vec<Assignment>) -> impl IntoView {
    let mut roles: Vec<String> = assignments.into_iter().filter_map(|a| a.job_role).collect();
    roles.sort_by_key(|r| r.to_lowercase());
    roles.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    view! {
        <datalist id="job-roles">
            {roles.into_iter().map(|r| view! { <option value=r/> }).collect_view()}
        </datalist>
    }
}

/// "Account Executives in Retail North", "everyone in Enterprise".
fn audience_text(a: &Assignment) -> String {
    match (&a.job_role, &a.team) {
        (Some(role), Some(team)) => format!("{role}s in {team}"),
        (Some(role), None) => format!("every {role}"),
        (None, Some(team)) => format!("everyone in {team}"),
        (None, None) => "nobody".into(),
    }
}

fn due_text(a: &Assignment) -> String {
    match (a.due_days, a.due_date) {
        (Some(days), _) if a.grace => {
            format!(
                "due {days} days after each person's start or after {}, whichever is later",
                a.created_at.format("%-d %B %Y")
            )
        }
        (Some(days), _) => format!("due {days} days after each person's start"),
        (_, Some(date)) => format!("due {}", date.format("%-d %B %Y")),
        _ => "no due date".into(),
    }
}

#[component]
fn AssignmentRow(
    assignment: Assignment,
    assignments: Resource<Result<Vec<Assignment>, RequestError>>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let id = assignment.id;
    let remove = move |_| {
        spawn_local(async move {
            match client::delete_assignment(id).await {
                Ok(()) => assignments.refetch(),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <div class="line">
            <span class="name">{assignment.title.clone()}</span>
            <span class=if assignment.required { "badge" } else { "badge pending" }>{if assignment.required { "Required" } else { "Suggested" }}</span>
            <span class="badge off">{if assignment.path_id.is_some() { "Path" } else { "Module" }}</span>
        </div>
        <div class="small">{format!("For {}, {}.", audience_text(&assignment), due_text(&assignment))}</div>
        {move || error.get().map(|e| view! { <p class="alert error">{e}</p> })}
        <div class="actions"><button type="button" class="secondary" on:click=remove>"Remove"</button></div>
    }
}

/// How long typing must pause before the overdue preview is asked for.
const PREVIEW_PAUSE_MS: i32 = 400;

#[component]
fn NewAssignment(
    modules: Vec<ModuleSummary>,
    paths: Vec<LearningPath>,
    teams: Vec<Team>,
    assignments: Resource<Result<Vec<Assignment>, RequestError>>,
) -> impl IntoView {
    // "Assign this path" from the path editor comes with the path picked.
    let query = use_query_map();
    let target =
        RwSignal::new(query.with_untracked(|q| q.get("path").map(|id| format!("path:{id}")).unwrap_or_default()));
    let job_role = RwSignal::new(String::new());
    let team = RwSignal::new(String::new());
    let required = RwSignal::new(true);
    let due_kind = RwSignal::new("days".to_string());
    let due_days = RwSignal::new("30".to_string());
    let due_date = RwSignal::new(String::new());
    let grace = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    // The assignment as the form has it now.
    let input = Memo::new(move |_| {
        let (module_id, path_id) = match target.get().split_once(':') {
            Some(("module", id)) => (id.parse().ok(), None),
            Some(("path", id)) => (None, id.parse().ok()),
            _ => (None, None),
        };
        AssignmentInput {
            module_id,
            path_id,
            job_role: Some(job_role.get()).filter(|r| !r.trim().is_empty()),
            team_id: team.get().parse().ok(),
            required: required.get(),
            due_days: (due_kind.get() == "days").then(|| due_days.get().trim().parse().ok()).flatten(),
            due_date: (due_kind.get() == "date").then(|| due_date.get().parse().ok()).flatten(),
            grace: grace.get() && due_kind.get() == "days",
        }
    });
    // Who it would make overdue at once, asked again as the form changes (only the
    // newest answer counts).
    let preview = RwSignal::new(None::<AssignmentPreview>);
    let asked = StoredValue::new(0u32);
    Effect::new(move |_| {
        let input = input.get();
        let complete = (input.module_id.is_some() || input.path_id.is_some())
            && (input.job_role.is_some() || input.team_id.is_some())
            && input.required
            && (input.due_days.is_some() || input.due_date.is_some());
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        if !complete {
            preview.set(None);
            return;
        }
        spawn_local(async move {
            // Asked once typing pauses, not at every key.
            crate::device::pause(PREVIEW_PAUSE_MS).await;
            if asked.get_value() != this {
                return;
            }
            let answer = client::preview_assignment(input).await.ok();
            if asked.get_value() == this {
                preview.set(answer);
            }
        });
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = input.get_untracked();
        pending.set(true);
        spawn_local(async move {
            let result = client::create_assignment(input).await;
            pending.set(false);
            match result {
                Ok(a) => {
                    error.set(None);
                    done.set(Some(format!("Assigned {} to {}.", a.title, audience_text(&a))));
                    assignments.refetch();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <form class="card stack" on:submit=submit data-testid="assignment-form">
            <h2>"Assign"</h2>
            {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            {move || done.get().map(|d| view! { <p class="alert ok" role="status">{d}</p> })}
            <label>"What"
                <select required on:change=move |ev| target.set(event_target_value(&ev)) data-testid="assign-what">
                    <option value="">"Choose a path or module…"</option>
                    <optgroup label="Learning paths">
                        {paths.iter().map(|p| {
                            let value = format!("path:{}", p.id);
                            view! { <option selected=target.get_untracked() == value value=value.clone()>{p.title.clone()}</option> }
                        }).collect_view()}
                    </optgroup>
                    <optgroup label="Modules">
                        {modules.iter().map(|m| {
                            let value = format!("module:{}", m.id);
                            view! { <option selected=target.get_untracked() == value value=value.clone()>{m.title.clone()}</option> }
                        }).collect_view()}
                    </optgroup>
                </select>
            </label>
            <div class="form-row">
                <label>"Job role"<input type="text" placeholder="e.g. Account Executive" list="job-roles" bind:value=job_role/></label>
                <label>"Team"
                    <select on:change=move |ev| team.set(event_target_value(&ev))>
                        <option value="">"Any team"</option>
                        {teams.iter().map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="checks">
                <label class="check"><input type="radio" name="required" prop:checked=move || required.get() on:change=move |_| required.set(true)/>"Required"</label>
                <label class="check"><input type="radio" name="required" prop:checked=move || !required.get() on:change=move |_| required.set(false)/>"Suggested"</label>
            </div>
            <div class="checks">
                <label class="check"><input type="radio" name="due" prop:checked=move || due_kind.get() == "days" on:change=move |_| due_kind.set("days".into())/>"Days after start"</label>
                <label class="check"><input type="radio" name="due" prop:checked=move || due_kind.get() == "date" on:change=move |_| due_kind.set("date".into())/>"On a date"</label>
                <label class="check"><input type="radio" name="due" prop:checked=move || due_kind.get() == "none" on:change=move |_| due_kind.set("none".into())/>"No due date"</label>
            </div>
            <Show when=move || due_kind.get() == "days">
                <div class="tiers">
                    {[30, 60, 90].map(|d| view! {
                        <button type="button" class="secondary" on:click=move |_| due_days.set(d.to_string())>{format!("{d} days")}</button>
                    }).collect_view()}
                    <input type="number" min="0" max="3650" aria-label="Days after start" bind:value=due_days/>
                </div>
            </Show>
            <Show when=move || due_kind.get() == "date">
                <input type="date" aria-label="Due date" bind:value=due_date/>
            </Show>
            {move || preview.get().filter(|p| p.overdue_at_once > 0 || grace.get()).map(|p| {
                let who = if p.overdue_at_once == 1 { "1 person".to_string() } else { format!("{} people", p.overdue_at_once) };
                let names = p.overdue_names.join(", ");
                let more = p.overdue_at_once as usize - p.overdue_names.len().min(p.overdue_at_once as usize);
                let named = !p.overdue_names.is_empty();
                view! {
                    <div class="alert warn" role="status" data-testid="overdue-preview">
                        {if p.overdue_at_once > 0 {
                            view! {
                                <p><strong>{format!("{who} will be overdue at once")}</strong>
                                    {if named {
                                        format!(": {names}{}.", if more > 0 { format!(" and {more} more") } else { String::new() })
                                    } else {
                                        ".".to_string()
                                    }}</p>
                            }.into_any()
                        } else {
                            view! { <p data-testid="overdue-preview-none">"With the grace period nobody is overdue at once."</p> }.into_any()
                        }}
                        {move || (due_kind.get() == "days").then(|| view! {
                            <label class="check">
                                <input type="checkbox" data-testid="grace" prop:checked=move || grace.get()
                                    on:change=move |ev| grace.set(event_target_checked(&ev))/>
                                {format!("Give everyone who started earlier {} days from today", due_days.get())}
                            </label>
                        })}
                    </div>
                }
            })}
            <div><button type="submit" prop:disabled=move || pending.get()>"Assign"</button></div>
        </form>
    }
}
