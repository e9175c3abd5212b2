//! Team: the people a manager is responsible for (admins: everyone). Readiness figures
//! (completions, overdue, certifications, last sync) join this page as they arrive.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{Me, Role, User},
    client,
    components::{ErrorMessage, gate::signed_in},
    pages::home::onboarding_summary,
};

#[component]
pub fn TeamPage() -> impl IntoView {
    let people = Resource::new(|| (), |_| client::sendable(client::my_people()));
    view! {
        <Title text="Team"/>
        {signed_in(&[Role::Manager, Role::Admin], move |me: Me| view! { <Team me people/> })}
    }
}

#[component]
fn Team(me: Me, people: Resource<Result<Vec<User>, crate::api::RequestError>>) -> impl IntoView {
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
                match people.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="card muted">"Nobody to show yet. An admin adds people to teams and teams to managers."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="people" data-testid="people-list">
                            {list.into_iter().map(|p| {
                                let onboarding = onboarding_summary(&p, today);
                                view! {
                                    <li>
                                        <div class="line"><span class="name">{p.name.clone()}</span>
                                            {p.team.clone().map(|t| view! { <span class="badge">{t}</span> })}
                                        </div>
                                        <div class="muted small">{p.job_role.clone().unwrap_or_else(|| p.role.label().to_string())}</div>
                                        {onboarding.map(|o| view! { <div class="small">{o}</div> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
