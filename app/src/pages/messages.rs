//! Messages (admins): what Primer sent, is about to send, or failed to send, newest first.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        Me, RequestError, Role,
        messages::{MessageState, SentMessage},
    },
    client,
    components::{ErrorMessage, gate::signed_in},
    reads,
};

#[component]
pub fn MessagesPage() -> impl IntoView {
    let messages: Resource<Result<Vec<SentMessage>, RequestError>> =
        Resource::new(|| (), |_| client::sendable(reads::read(reads::Messages)));
    view! {
        <Title text="Messages"/>
        {signed_in(Role::ADMINS, move |_me: Me| view! {
            <crate::pages::people::AdminTabs current="/admin/messages"/>
            <h1>"Messages"</h1>
            <p class="muted small">"Email Primer sends: invitations, password links, reminders, managers' copies and weekly digests. Times in UTC."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match messages.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"Nothing sent yet."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="people" data-testid="message-list">
                                {list.into_iter().map(|m| view! { <li><Message m/></li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        })}
    }
}

#[component]
fn Message(m: SentMessage) -> impl IntoView {
    let (badge, class) = match m.state {
        MessageState::Sent => ("Sent", "badge"),
        MessageState::Queued if m.last_error.is_some() => ("Retrying", "badge pending"),
        MessageState::Queued => ("Queued", "badge pending"),
        MessageState::Failed => ("Failed", "badge off"),
        MessageState::Withheld => ("Turned off", "badge off"),
    };
    let when = m.sent_at.unwrap_or(m.created_at).format("%-d %b %Y, %H:%M").to_string();
    view! {
        <div class="line">
            <span class="name">{m.kind.label()} " to " {m.to_name.clone()}</span>
            <span class=class data-testid="message-state">{badge}</span>
        </div>
        <div class="muted small">{m.to_address.clone()} " · " {when}
            {(m.attempts > 1).then(|| format!(" · handed over {} times: it may have arrived more than once", m.attempts))}
        </div>
        {m.subject.clone().map(|s| view! { <div class="small">{s}</div> })}
        {m.last_error.clone().map(|e| view! { <div class="small alert error">{e}</div> })}
    }
}
