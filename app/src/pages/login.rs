//! Sign-in. A plain form that posts to `/login` (so it works with JavaScript off);
//! once hydrated, it signs in through the JSON API instead and shows errors in place.

use leptos::{html, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{ViewerResource, api::validate::safe_next, client, components::submit_then_go};

/// The message for an error code the form handler put in the URL.
fn error_message(code: &str, retry_seconds: Option<u64>) -> String {
    match code {
        "invalid_credentials" => "That email and password don't match an account.".into(),
        "account_inactive" => "This account has been deactivated. Ask your administrator to reactivate it.".into(),
        "too_many_attempts" => {
            let minutes = retry_seconds.unwrap_or(60).div_ceil(60).max(1);
            format!("Too many failed sign-ins. Try again in {minutes} minute(s).")
        }
        "busy" => "Primer is busy checking other sign-ins. Try again in a moment.".into(),
        "mail_not_configured" => {
            "Primer here doesn't send email: ask your administrator for a new sign-in link.".into()
        }
        "invalid_input" => "That doesn't look like an email address.".into(),
        "csrf" => "That sign-in came from another site and was refused. Open Primer directly and try again.".into(),
        _ => "Signing in didn't work. Please try again.".into(),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let ViewerResource(viewer) = expect_context();
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(query.read().get("next").as_deref()));

    view! {
        <Title text="Sign in"/>
        <div class="auth-page">
            <main id="main">
                <span class="brand">"Prim"<span>"er"</span></span>
                <p class="tagline">"Learning that fits between meetings."</p>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match viewer.await {
                            Ok(Some(_)) => view! { <Redirect path=next.get_untracked()/> }.into_any(),
                            _ => view! { <LoginForm next/> }.into_any(),
                        }
                    })}
                </Suspense>
            </main>
        </div>
    }
}

#[component]
fn LoginForm(next: Memo<String>) -> impl IntoView {
    let query = use_query_map();
    let initial_error = query.with_untracked(|q| {
        q.get("error").map(|code| error_message(&code, q.get("retry").and_then(|r| r.parse().ok())))
    });
    let notice = query.with_untracked(|q| {
        if q.get("signed_out").is_some() {
            Some("You're signed out.")
        } else if q.get("reset").is_some() {
            Some("Your password is set. Sign in with it.")
        } else if q.get("expired").is_some() {
            Some("Your session ended. Sign in again to continue.")
        } else if q.get("link_sent").is_some() {
            Some("If an account uses that address, a link to set a new password is on its way.")
        } else {
            None
        }
    });
    let email_value = query.with_untracked(|q| q.get("email")).unwrap_or_default();
    let error = RwSignal::new(initial_error);
    let pending = RwSignal::new(false);
    let email: NodeRef<html::Input> = NodeRef::new();
    let password: NodeRef<html::Input> = NodeRef::new();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(email), Some(password)) = (email.get(), password.get()) else { return };
        let (email, password) = (email.value(), password.value());
        submit_then_go(client::login(email, password), next.get_untracked(), error, pending);
    };

    view! {
        <div class="card">
            <h1>"Sign in"</h1>
            {notice.map(|n| view! { <p class="alert info" role="status">{n}</p> })}
            {move || error.get().map(|e| view! { <p class="alert error" role="alert" data-testid="login-error">{e}</p> })}
            <form class="stack" method="post" action="/login" on:submit=on_submit>
                <input type="hidden" name="next" value=move || next.get()/>
                <label>
                    "Email"
                    <input node_ref=email type="email" name="email" autocomplete="username" required
                        inputmode="email" autocapitalize="none" spellcheck="false" value=email_value.clone()/>
                </label>
                <label>
                    "Password"
                    <input node_ref=password type="password" name="password" autocomplete="current-password" required/>
                </label>
                <button type="submit" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            // A plain form: it works before (and without) the app's script.
            <details class="small">
                <summary>"Forgot your password?"</summary>
                <form class="stack" method="post" action="/forgot-password" data-testid="forgot">
                    <label>
                        "Sign-in address"
                        <input type="email" name="email" autocomplete="email" required inputmode="email"
                            autocapitalize="none" spellcheck="false" value=email_value/>
                    </label>
                    <button type="submit" class="secondary">"Email me a link"</button>
                </form>
            </details>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_message_says_how_long() {
        assert!(error_message("too_many_attempts", Some(600)).contains("10 minute"));
        assert!(error_message("too_many_attempts", Some(1)).contains("1 minute"));
        assert!(error_message("whatever", None).contains("didn't work"));
    }
}
