//! Setting a password through a one-time link (a new account's first password, or a
//! replacement). Works with JavaScript off: the form posts to the same address.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{api::validate, client, components::submit_then_go};

fn error_message(code: &str) -> String {
    match code {
        "mismatch" => "The two passwords are different. Type the same one twice.".into(),
        "invalid_input" => {
            format!("Use at least {} characters; a short phrase works well.", validate::MIN_PASSWORD_CHARS)
        }
        _ => "That didn't work. Please try again.".into(),
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let owner = Resource::new(token, |t| client::sendable(client::reset_link_owner(t)));
    view! {
        <Title text="Set your password"/>
        <div class="auth-page">
            <main id="main">
                <span class="brand">"Prim"<span>"er"</span></span>
                <p class="tagline">"Learning that fits between meetings."</p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match owner.await {
                            Ok(Some(name)) => view! { <ResetForm token=token() name/> }.into_any(),
                            _ => view! {
                                <div class="card" data-testid="reset-invalid">
                                    <h1>"This link doesn't work any more"</h1>
                                    <p>"It was already used, replaced by a newer one, or it expired. Ask your administrator for a new sign-in link."</p>
                                    <a class="button secondary" href="/login">"Go to sign-in"</a>
                                </div>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </main>
        </div>
    }
}

#[component]
fn ResetForm(token: String, name: String) -> impl IntoView {
    let query = use_query_map();
    let error = RwSignal::new(query.with_untracked(|q| q.get("error").map(|c| error_message(&c))));
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let action = format!("/reset/{token}");
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (pw, again) = (password.get_untracked(), confirm.get_untracked());
        if pw != again {
            error.set(Some(error_message("mismatch")));
            return;
        }
        if let Err(e) = validate::new_password("password", &pw) {
            error.set(Some(e.message));
            return;
        }
        submit_then_go(client::reset_password(token.clone(), pw), "/login?reset=1".into(), error, pending);
    };
    view! {
        <div class="card">
            <h1>"Set your password"</h1>
            <p>"Hello " {name} ". Choose a password for Primer."</p>
            {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            <form class="stack" method="post" action=action on:submit=on_submit>
                <label>"New password"
                    <input type="password" name="password" autocomplete="new-password" required
                        minlength=validate::MIN_PASSWORD_CHARS bind:value=password/>
                </label>
                <label>"The same password again"
                    <input type="password" name="confirm" autocomplete="new-password" required bind:value=confirm/>
                </label>
                <p class="muted small">{format!("At least {} characters.", validate::MIN_PASSWORD_CHARS)}</p>
                <button type="submit" disabled=move || pending.get()>"Set password"</button>
            </form>
        </div>
    }
}
