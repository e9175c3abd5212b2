//! Setting a password through a one-time link (a new account's first password, or a
//! replacement), then signed in with it. Works with JavaScript off: the form posts to the
//! same address, and the sign-in page that follows has the email filled in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::{
    api::{ResetLinkOwner, validate},
    client, reads,
};

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
    let owner = Resource::new(token, |t| client::sendable(reads::read(reads::ResetLink { token: t })));
    view! {
        <Title text="Set your password"/>
        <div class="auth-page">
            <main id="main">
                <span class="brand">"Prim"<span>"er"</span></span>
                <p class="tagline">"Learning that fits between meetings."</p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match owner.await {
                            Ok(Some(owner)) => view! { <ResetForm token=token() owner/> }.into_any(),
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
fn ResetForm(token: String, owner: ResetLinkOwner) -> impl IntoView {
    let query = use_query_map();
    let error = RwSignal::new(query.with_untracked(|q| q.get("error").map(|c| error_message(&c))));
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let action = format!("/reset/{token}");
    let email = owner.email.clone();
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
        pending.set(true);
        error.set(None);
        let (token, email) = (token.clone(), email.clone());
        leptos::task::spawn_local(async move {
            if let Err(e) = client::reset_password(token, pw.clone()).await {
                error.set(Some(e.to_string()));
                pending.set(false);
                return;
            }
            // Signed in with the password just chosen; if that doesn't work (the server
            // is busy, say), the sign-in page with the email filled in.
            let to = match client::login(email.clone(), pw).await {
                Ok(_) => "/".to_string(),
                Err(_) => format!("/login?reset=1&email={}", validate::url_encode(&email)),
            };
            let _ = window().location().assign(&to);
        });
    };
    let ResetLinkOwner { name, first_password, .. } = owner;
    let (heading, intro) = if first_password {
        ("Choose your password", format!("Welcome to Primer, {name}. Choose the password you'll sign in with."))
    } else {
        ("Set a new password", format!("Hello {name}. Choose a new password for Primer."))
    };
    view! {
        <div class="card">
            <h1 data-testid="reset-heading">{heading}</h1>
            <p>{intro}</p>
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
                <button type="submit" disabled=move || pending.get()>"Save and sign in"</button>
            </form>
        </div>
    }
}
