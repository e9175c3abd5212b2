//! People (admins): every account; add people, edit them, deactivate or reactivate them,
//! and make one-time sign-in links (there is no e-mail yet: the admin hands them over).

use chrono::NaiveDate;
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;

use crate::{
    api::{Me, NewUser, PasswordResetLink, RequestError, Role, Team, User, UserPatch},
    client,
    components::{ErrorMessage, copy_to_clipboard, gate::signed_in},
    reads,
};

type UsersResource = Resource<Result<Vec<User>, RequestError>>;
type TeamsResource = Resource<Result<Vec<Team>, RequestError>>;

/// Common IANA zones offered while typing (any valid zone is accepted).
const COMMON_TIME_ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

#[component]
pub fn PeoplePage() -> impl IntoView {
    let users: UsersResource = Resource::new(|| (), |_| client::sendable(reads::read(reads::Users)));
    let teams: TeamsResource = Resource::new(|| (), |_| client::sendable(reads::read(reads::Teams)));
    view! {
        <Title text="People"/>
        {signed_in(Role::ADMINS, move |me: Me| view! { <People me users teams/> })}
    }
}

#[component]
fn People(me: Me, users: UsersResource, teams: TeamsResource) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let me_id = me.user.id;
    // The form and the list load separately: refreshing the list after a change must not
    // rebuild the form (and lose the link it just showed).
    view! {
        <AdminTabs current="/admin/people"/>
        <h1>"People"</h1>
        <noscript><p class="alert info">"Adding and editing people needs JavaScript."</p></noscript>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match teams.await {
                    Ok(teams) => view! { <NewPerson teams users/> }.into_any(),
                    Err(error) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Suspense>
        <label class="visually-hidden" for="people-search">"Search people"</label>
        <input id="people-search" type="search" placeholder="Search by name or email"
            bind:value=search class="search-field"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let teams = teams.await.unwrap_or_default();
                match users.await {
                    Ok(list) => view! {
                        <ul class="people" data-testid="people-list">
                            {list.into_iter().map(|person| {
                                let is_me = person.id == me_id;
                                let haystack = format!("{} {}", person.name, person.email).to_lowercase();
                                let visible = move || haystack.contains(&search.get().trim().to_lowercase());
                                view! {
                                    <li prop:hidden=move || !visible()>
                                        <Person person teams=teams.clone() users is_me/>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The fields of the add and edit forms.
#[derive(Clone, Copy)]
struct PersonFields {
    email: RwSignal<String>,
    name: RwSignal<String>,
    role: RwSignal<Role>,
    job_role: RwSignal<String>,
    team_id: RwSignal<Option<i64>>,
    manages: RwSignal<Vec<i64>>,
    start_date: RwSignal<String>,
    time_zone: RwSignal<String>,
}

impl PersonFields {
    fn new(user: Option<&User>) -> Self {
        PersonFields {
            email: RwSignal::new(user.map(|u| u.email.clone()).unwrap_or_default()),
            name: RwSignal::new(user.map(|u| u.name.clone()).unwrap_or_default()),
            role: RwSignal::new(user.map(|u| u.role).unwrap_or_default()),
            job_role: RwSignal::new(user.and_then(|u| u.job_role.clone()).unwrap_or_default()),
            team_id: RwSignal::new(user.and_then(|u| u.team_id)),
            manages: RwSignal::new(user.map(|u| u.manages.iter().map(|t| t.id).collect()).unwrap_or_default()),
            start_date: RwSignal::new(user.and_then(|u| u.start_date).map(|d| d.to_string()).unwrap_or_default()),
            time_zone: RwSignal::new(user.map(|u| u.time_zone.clone()).unwrap_or_else(|| "UTC".into())),
        }
    }

    fn start_date(&self) -> Result<Option<NaiveDate>, String> {
        let text = self.start_date.get_untracked();
        if text.trim().is_empty() {
            return Ok(None);
        }
        text.trim().parse().map(Some).map_err(|_| "Enter the start date as YYYY-MM-DD.".to_string())
    }

    fn manages_if_manager(&self) -> Vec<i64> {
        if self.role.get_untracked() == Role::Manager { self.manages.get_untracked() } else { vec![] }
    }
}

#[component]
fn Fields(fields: PersonFields, teams: Vec<Team>) -> impl IntoView {
    let PersonFields { email, name, role, job_role, team_id, manages, start_date, time_zone } = fields;
    let team_options = teams.clone();
    view! {
        <div class="form-row">
            <label>"Name"<input type="text" required autocomplete="off" bind:value=name/></label>
            <label>"Email"<input type="email" required autocomplete="off" autocapitalize="none" bind:value=email/></label>
        </div>
        <div class="form-row">
            <label>"Role"
                <select prop:value=move || role.get().as_str()
                    on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or_default())>
                    {Role::ALL.map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Job role"
                <input type="text" placeholder="e.g. Account Executive" bind:value=job_role/>
            </label>
        </div>
        <div class="form-row">
            <label>"Team"
                <select prop:value=move || team_id.get().map(|t| t.to_string()).unwrap_or_default()
                    on:change=move |ev| team_id.set(event_target_value(&ev).parse().ok())>
                    <option value="">"No team"</option>
                    {team_options.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()}
                </select>
            </label>
            <label>"Start date"<input type="date" bind:value=start_date/></label>
            <label>"Time zone"<input type="text" list="time-zones" required bind:value=time_zone/></label>
        </div>
        <datalist id="time-zones">
            {COMMON_TIME_ZONES.iter().map(|z| view! { <option value=*z/> }).collect_view()}
        </datalist>
        <Show when=move || role.get() == Role::Manager>
            <fieldset class="card">
                <legend>"Responsible for"</legend>
                {teams.iter().map(|t| {
                    let id = t.id;
                    view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || manages.get().contains(&id)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    manages.update(|m| { m.retain(|x| *x != id); if on { m.push(id); } });
                                }/>
                            {t.name.clone()}
                        </label>
                    }
                }).collect_view()}
                {teams.is_empty().then(|| view! { <p class="muted small">"Create teams first, on the Teams page."</p> })}
            </fieldset>
        </Show>
    }
}

/// Shows a one-time link with a copy button, or says where it was emailed, brought into
/// view (on a phone the admin is looking at the button they tapped, not at the top of the
/// page).
#[component]
fn LinkPanel(link: PasswordResetLink, #[prop(into)] intro: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            panel.scroll_into_view();
        }
    });
    let replaces = link.replaced_earlier.then(|| {
        view! {
            <p data-testid="reset-link-replaces"><strong>"This replaces the link made before: that one no longer works."</strong></p>
        }
    });
    let body = match (link.url, link.emailed_to) {
        (Some(url), _) => {
            let until = link.expires_at.map(|at| at.format("%-d %b %Y, %H:%M UTC").to_string()).unwrap_or_default();
            let copy_url = url.clone();
            let copy = move |_| {
                let url = copy_url.clone();
                spawn_local(async move {
                    if copy_to_clipboard(url).await {
                        copied.set(true);
                    }
                });
            };
            view! {
                <p>{intro} " It works once, until " {until} "."</p>
                {replaces}
                <div class="copy">
                    <input type="text" readonly prop:value=url aria-label="One-time sign-in link"/>
                    <button type="button" class="secondary" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                </div>
            }
            .into_any()
        }
        (None, emailed_to) => view! {
            <p data-testid="reset-link-emailed">
                "A link to set their password is on its way to " <strong>{emailed_to.unwrap_or_default()}</strong>
                ". It works once, for " {link.valid_hours} " hours after it is sent; "
                <a href="/admin/messages" rel="external">"Messages"</a> " shows when it went."
            </p>
            {replaces}
        }
        .into_any(),
    };
    view! {
        <div class="alert ok" role="status" data-testid="reset-link" node_ref=panel>
            {body}
        </div>
    }
}

#[component]
fn NewPerson(teams: Vec<Team>, users: UsersResource) -> impl IntoView {
    let fields = PersonFields::new(None);
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<(String, PasswordResetLink)>);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let start_date = match fields.start_date() {
            Ok(d) => d,
            Err(e) => return error.set(Some(e)),
        };
        let new_user = NewUser {
            email: fields.email.get_untracked(),
            name: fields.name.get_untracked(),
            role: fields.role.get_untracked(),
            job_role: Some(fields.job_role.get_untracked()),
            team_id: fields.team_id.get_untracked(),
            manages: fields.manages_if_manager(),
            start_date,
            time_zone: Some(fields.time_zone.get_untracked()),
            password: None,
        };
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            let result = async {
                let user = client::create_user(new_user).await?;
                let link = client::create_reset_link(user.id).await?;
                Ok::<_, RequestError>((user.name, link))
            }
            .await;
            pending.set(false);
            match result {
                Ok(done) => {
                    created.set(Some(done));
                    let blank = PersonFields::new(None);
                    fields.email.set(String::new());
                    fields.name.set(String::new());
                    fields.job_role.set(String::new());
                    fields.start_date.set(String::new());
                    fields.manages.set(blank.manages.get_untracked());
                    users.refetch();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <details class="card">
            <summary><strong>"Add a person"</strong></summary>
            <form class="stack gap-above" on:submit=on_submit data-testid="new-person">
                {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
                <Fields fields teams=teams.clone()/>
                <div><button type="submit" disabled=move || pending.get()>"Add and make a sign-in link"</button></div>
            </form>
            // Where the admin is looking: right under the button they tapped.
            {move || created.get().map(|(name, link)| view! {
                <LinkPanel link intro=format!("{name} can now be signed in: send them this link to set their password.")/>
            })}
        </details>
    }
}

#[component]
fn Person(person: User, teams: Vec<Team>, users: UsersResource, is_me: bool) -> impl IntoView {
    let editing = RwSignal::new(false);
    let link = RwSignal::new(None::<PasswordResetLink>);
    let error = RwSignal::new(None::<String>);
    let me = is_me;
    let (id, active) = (person.id, person.active);

    let set_active = move |value: bool| {
        spawn_local(async move {
            match client::update_user(id, UserPatch { active: Some(value), ..Default::default() }).await {
                Ok(_) => users.refetch(),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let make_link = move |_| {
        spawn_local(async move {
            match client::create_reset_link(id).await {
                Ok(l) => link.set(Some(l)),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let details = [person.job_role.clone(), person.team.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let edit_person = person.clone();
    view! {
        <div class="line">
            <span class="name">{person.name.clone()}</span>
            <span class="badge">{person.role.label()}</span>
            {(!person.active).then(|| view! { <span class="badge off">"Deactivated"</span> })}
            {(person.active && !person.has_password).then(|| view! { <span class="badge pending">"No password yet"</span> })}
        </div>
        <div class="muted small">{person.email.clone()}</div>
        {(!details.is_empty()).then(|| view! { <div class="small">{details}</div> })}
        {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
        {move || link.get().map(|l| view! { <LinkPanel link=l intro="Send this link to the person to set a new password."/> })}
        <div class="actions">
            <button type="button" class="secondary" on:click=move |_| editing.update(|e| *e = !*e)>
                {move || if editing.get() { "Close" } else { "Edit" }}
            </button>
            {active.then(|| view! { <button type="button" class="secondary" on:click=make_link>"Sign-in link"</button> })}
            {(!me).then(|| if active {
                view! { <button type="button" class="secondary" on:click=move |_| set_active(false)>"Deactivate"</button> }.into_any()
            } else {
                view! { <button type="button" class="secondary" on:click=move |_| set_active(true)>"Reactivate"</button> }.into_any()
            })}
        </div>
        <Show when=move || editing.get()>
            <EditPerson person=edit_person.clone() teams=teams.clone() users editing/>
        </Show>
    }
}

#[component]
fn EditPerson(person: User, teams: Vec<Team>, users: UsersResource, editing: RwSignal<bool>) -> impl IntoView {
    let fields = PersonFields::new(Some(&person));
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let id = person.id;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let start_date = match fields.start_date() {
            Ok(d) => d,
            Err(e) => return error.set(Some(e)),
        };
        let job_role = fields.job_role.get_untracked();
        let patch = UserPatch {
            email: Some(fields.email.get_untracked()),
            name: Some(fields.name.get_untracked()),
            role: Some(fields.role.get_untracked()),
            job_role: Some((!job_role.trim().is_empty()).then_some(job_role)),
            team_id: Some(fields.team_id.get_untracked()),
            manages: Some(fields.manages_if_manager()),
            start_date: Some(start_date),
            time_zone: Some(fields.time_zone.get_untracked()),
            active: None,
        };
        pending.set(true);
        spawn_local(async move {
            let result = client::update_user(id, patch).await;
            pending.set(false);
            match result {
                Ok(_) => {
                    editing.set(false);
                    users.refetch();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <form class="stack card gap-above" on:submit=on_submit>
            {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            <Fields fields teams/>
            <div class="actions">
                <button type="submit" disabled=move || pending.get()>"Save"</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}

/// Administration's own navigation: people and teams share one entry of the menu.
#[component]
pub fn AdminTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! { <a href=href class="tab" aria-current=(current == href).then_some("page")>{label}</a> }
    };
    view! {
        <nav class="tabs" aria-label="Administration">
            {tab("/admin/people", "People")}
            {tab("/admin/teams", "Teams")}
            {tab("/admin/messages", "Messages")}
        </nav>
    }
}
