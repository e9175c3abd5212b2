//! Teams (admins): create and rename teams, turn a team's leaderboard on or off; see
//! their size and managers.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;

use crate::{
    api::{Me, RequestError, Role, Team, TeamPatch},
    client,
    components::{ErrorMessage, gate::signed_in},
    reads,
};

type TeamsResource = Resource<Result<Vec<Team>, RequestError>>;

#[component]
pub fn TeamsPage() -> impl IntoView {
    let teams: TeamsResource = Resource::new(|| (), |_| client::sendable(reads::read(reads::Teams)));
    view! {
        <Title text="Teams"/>
        {signed_in(Role::ADMINS, move |_me: Me| view! { <Teams teams/> })}
    }
}

#[component]
fn Teams(teams: TeamsResource) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        spawn_local(async move {
            let result = client::create_team(name.get_untracked()).await;
            pending.set(false);
            match result {
                Ok(_) => {
                    name.set(String::new());
                    error.set(None);
                    teams.refetch();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <crate::pages::people::AdminTabs current="/admin/teams"/>
        <h1>"Teams"</h1>
        <noscript><p class="alert info">"Creating and renaming teams needs JavaScript."</p></noscript>
        <form class="card stack" on:submit=on_submit data-testid="new-team">
            {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            <label>"New team"
                <input type="text" required placeholder="e.g. Retail North" bind:value=name/>
            </label>
            <div><button type="submit" disabled=move || pending.get()>"Create team"</button></div>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match teams.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No teams yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="people" data-testid="team-list">
                            {list.into_iter().map(|team| view! { <li><TeamRow team teams/></li> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TeamRow(team: Team, teams: TeamsResource) -> impl IntoView {
    let renaming = RwSignal::new(false);
    let name = RwSignal::new(team.name.clone());
    let error = RwSignal::new(None::<String>);
    let id = team.id;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match client::update_team(id, TeamPatch { name: Some(name.get_untracked()), ..TeamPatch::default() }).await
            {
                Ok(_) => {
                    renaming.set(false);
                    teams.refetch();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let members = match team.member_count {
        1 => "1 person".to_string(),
        n => format!("{n} people"),
    };
    let managers = if team.managers.is_empty() {
        "No manager".to_string()
    } else {
        format!("Managed by {}", team.managers.join(", "))
    };
    let leaderboard = RwSignal::new(team.leaderboard_enabled);
    let on_leaderboard = move |ev: leptos::ev::Event| {
        let enabled = event_target_checked(&ev);
        spawn_local(async move {
            match client::update_team(id, TeamPatch { leaderboard_enabled: Some(enabled), ..TeamPatch::default() })
                .await
            {
                Ok(team) => {
                    leaderboard.set(team.leaderboard_enabled);
                    error.set(None);
                }
                Err(e) => {
                    leaderboard.set(!enabled);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    view! {
        <div class="line"><span class="name">{team.name.clone()}</span><span class="badge">{members}</span></div>
        <div class="muted small">{managers}</div>
        <label class="check small">
            <input type="checkbox" prop:checked=move || leaderboard.get() on:change=on_leaderboard data-testid="leaderboard-enabled"/>
            " Leaderboard for this team"
        </label>
        {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
        <Show when=move || renaming.get() fallback=move || view! {
            <div class="actions"><button type="button" class="secondary" on:click=move |_| renaming.set(true)>"Rename"</button></div>
        }>
            <form class="copy gap-above-small" on:submit=on_submit>
                <input type="text" required bind:value=name aria-label="Team name"/>
                <button type="submit">"Save"</button>
            </form>
        </Show>
    }
}
