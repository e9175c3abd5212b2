//! Account: who you are in Primer, changing your password, signing out.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;

use crate::{
    api::{Me, Role, validate},
    client,
    components::gate::signed_in,
    device::{self, outbox, use_device},
};

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Account"/>
        {signed_in(&Role::EVERYONE, |me: Me| view! { <Account me/> })}
    }
}

#[component]
fn Account(me: Me) -> impl IntoView {
    let u = me.user;
    let dash = || "—".to_string();
    let manages =
        (!u.manages.is_empty()).then(|| u.manages.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", "));
    view! {
        <h1>"Account"</h1>
        <section class="card">
            <h2>{u.name.clone()}</h2>
            <dl class="facts">
                <dt>"Email"</dt><dd data-testid="account-email">{u.email.clone()}</dd>
                <dt>"Role"</dt><dd data-testid="account-role">{u.role.label()}</dd>
                <dt>"Job role"</dt><dd>{u.job_role.clone().unwrap_or_else(dash)}</dd>
                <dt>"Team"</dt><dd>{u.team.clone().unwrap_or_else(dash)}</dd>
                {manages.map(|m| view! { <dt>"Responsible for"</dt><dd>{m}</dd> })}
                <dt>"Start date"</dt><dd>{u.start_date.map(|d| crate::dates::day_month_year(&d)).unwrap_or_else(dash)}</dd>
                <dt>"Time zone"</dt><dd>{u.time_zone.clone()}</dd>
            </dl>
            // A plain server page: its form isn't in the phone's bundle.
            <p><a class="button secondary" href="/notifications" rel="external">"Email notifications"</a></p>
        </section>
        <ChangePasswordForm/>
        <SignOut/>
    }
}

/// Signing out. With records still waiting to sync, it says so first: they stay on this
/// device, kept for this person, and go when they sign in again.
#[component]
fn SignOut() -> impl IntoView {
    let device = use_device();
    let warned = RwSignal::new(false);
    let waiting = move || device.outbox.with(Vec::len);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if waiting() > 0 && !warned.get_untracked() {
            ev.prevent_default();
            warned.set(true);
        } else {
            device::sign_out(&ev);
        }
    };
    view! {
        <section class="card">
            <h2>"Sign out"</h2>
            <p class="muted small">"Signs this device out. Anything saved for offline use stays on the device."</p>
            {move || (warned.get() && waiting() > 0).then(|| {
                let n = waiting();
                view! {
                    <p class="alert error" role="alert" data-testid="sign-out-warning">
                        {format!(
                            "{n} {} not synced yet. {} on this phone and sync when you sign in again; \
                             signing in as someone else doesn't send them.",
                            if n == 1 { "record is" } else { "records are" },
                            if n == 1 { "It stays" } else { "They stay" },
                        )}
                    </p>
                    {device.online.get().then(|| view! {
                        <p><button type="button" class="link" on:click=move |_| outbox::flush(device)>"Sync now instead"</button></p>
                    })}
                }
            })}
            <form method="post" action="/logout" on:submit=on_submit>
                <button type="submit" class="secondary" data-testid="sign-out">
                    {move || if warned.get() && waiting() > 0 { "Sign out anyway" } else { "Sign out" }}
                </button>
            </form>
        </section>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(e) = validate::new_password("new_password", &new.get_untracked()) {
            message.set(Some(Err(e.message)));
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let result = client::change_password(current.get_untracked(), new.get_untracked()).await;
            pending.set(false);
            message.set(Some(match result {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    Ok("Password changed. Your other devices are signed out.".to_string())
                }
                Err(e) => Err(e.to_string()),
            }));
        });
    };
    view! {
        <section class="card">
            <h2>"Change password"</h2>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="alert ok" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="alert error" role="alert">{text}</p> }.into_any(),
            })}
            <form class="stack" on:submit=on_submit>
                <label>"Current password"
                    <input type="password" autocomplete="current-password" required bind:value=current/>
                </label>
                <label>"New password"
                    <input type="password" autocomplete="new-password" required
                        minlength=validate::MIN_PASSWORD_CHARS bind:value=new/>
                </label>
                <p class="muted small">{format!("At least {} characters. A short phrase is easy to remember and hard to guess.", validate::MIN_PASSWORD_CHARS)}</p>
                <div>
                    <button type="submit" disabled=move || pending.get()>"Change password"</button>
                </div>
            </form>
        </section>
    }
}
