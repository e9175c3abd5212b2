//! Recognition on the learner's pages: their streak, who on the team recently got
//! certified (home), and the team's leaderboard of the last 30 days with the choice to
//! stay off it (My progress). All of it comes from the server, from synced records:
//! offline, these parts simply don't show.

use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{Leaderboard, Preferences, Recognition, Streak},
    client, reads,
};

/// "3 days in a row", "Learn today to keep your 3-day streak".
pub fn streak_text(s: Streak) -> String {
    match (s.current, s.today) {
        (0, _) => "Complete a module today to start a streak.".to_string(),
        (1, true) => "1 day in a row: come back tomorrow to keep it going.".to_string(),
        (n, true) => format!("{n} days in a row."),
        (n, false) => format!("Complete a module today to keep your {n}-day streak."),
    }
}

/// Loads the signed-in person's recognition and renders `f` with it (nothing while
/// loading or if it can't be read, offline for instance).
fn with_my_recognition<IV, F>(f: F) -> impl IntoView
where
    IV: IntoView + 'static,
    F: Fn(Recognition) -> IV + Clone + Send + Sync + 'static,
{
    let recognition = Resource::new(|| (), |_| client::sendable(reads::read(reads::Recognition)));
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let f = f.clone();
                Suspend::new(async move { recognition.await.ok().map(&f) })
            }}
        </Suspense>
    }
}

/// Home: the streak, who on the team recently got certified, and teammates' takes a
/// reviewer featured (each a link to the video, which the phone plays itself).
#[component]
pub fn HomeRecognition() -> impl IntoView {
    with_my_recognition(|r: Recognition| {
        view! {
            <section class="card recognition" data-testid="recognition">
                <p class="streak" data-testid="streak">
                    <span class="flame" aria-hidden="true">"🔥"</span>
                    {streak_text(r.streak)}
                </p>
                {(!r.recently_certified.is_empty()).then(|| view! {
                    <h2>"Recently certified"</h2>
                    <ul class="plain" data-testid="recently-certified">
                        {r.recently_certified.into_iter().map(|c| view! {
                            <li>
                                <span class="medal" aria-hidden="true">"★"</span>" "
                                <strong>{if c.you { "You".to_string() } else { c.name }}</strong>
                                {format!(" · {} · {}", c.certification_title, crate::dates::day_month(&c.issued_at))}
                            </li>
                        }).collect_view()}
                    </ul>
                })}
                {(!r.featured.is_empty()).then(|| view! {
                    <h2>"Featured takes"</h2>
                    <ul class="plain" data-testid="featured-takes">
                        {r.featured.into_iter().map(|t| view! {
                            <li><a href=t.url rel="external">"▶ "{t.name}</a>{format!(" · {}", t.title)}</li>
                        }).collect_view()}
                    </ul>
                })}
            </section>
        }
    })
}

/// My progress: the streak in full, and the team's leaderboard with the choice to hide.
#[component]
pub fn TeamLeaderboard(hidden: bool) -> impl IntoView {
    let board = Resource::new(|| (), |_| client::sendable(reads::read(reads::Leaderboard { team_id: None })));
    let hidden = RwSignal::new(hidden);
    let error = RwSignal::new(None::<String>);
    let on_hide = move |ev: leptos::ev::Event| {
        let hide = event_target_checked(&ev);
        spawn_local(async move {
            match client::update_preferences(Preferences { hide_from_leaderboards: hide }).await {
                Ok(p) => {
                    hidden.set(p.hide_from_leaderboards);
                    error.set(None);
                    board.refetch();
                }
                Err(e) => {
                    hidden.set(!hide);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    let streak = with_my_recognition(|r: Recognition| {
        view! {
            <p data-testid="my-streak">{streak_text(r.streak)}
                {(r.streak.longest > 1).then(|| format!(" Longest: {} days.", r.streak.longest))}</p>
        }
    });
    view! {
        <section class="card" data-testid="leaderboard">
            <h2>"Your team, last 30 days"</h2>
            {streak}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(board) => view! { <Board board/> }.into_any(),
                        Err(_) => view! { <p class="muted small">"The leaderboard shows when you're online."</p> }.into_any(),
                    }
                })}
            </Transition>
            {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            <label class="check small">
                <input type="checkbox" prop:checked=move || hidden.get() on:change=on_hide data-testid="hide-from-leaderboards"/>
                " Keep me off leaderboards and “recently certified”"
            </label>
        </section>
    }
}

#[component]
fn Board(board: Leaderboard) -> impl IntoView {
    if board.team.is_none() {
        return view! { <p class="muted small">"You aren't in a team yet."</p> }.into_any();
    }
    if !board.enabled {
        return view! { <p class="muted small" data-testid="leaderboard-off">"Your team's leaderboard is turned off."</p> }
            .into_any();
    }
    if board.entries.is_empty() {
        return view! { <p class="muted small">"Nobody has completed a module in the last 30 days yet."</p> }
            .into_any();
    }
    view! {
        <ol class="leaderboard" data-testid="leaderboard-entries">
            {board.entries.into_iter().map(|e| view! {
                <li class:you=e.you data-testid="leaderboard-entry">
                    <span class="rank">{e.rank}</span>
                    <span class="name">{if e.you { format!("{} (you)", e.name) } else { e.name }}</span>
                    <span class="small">{format!("{} module{}", e.completed, if e.completed == 1 { "" } else { "s" })}</span>
                    {(e.streak > 1).then(|| view! { <span class="small muted">{format!("🔥 {}", e.streak)}</span> })}
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaks_read_naturally() {
        assert_eq!(streak_text(Streak::default()), "Complete a module today to start a streak.");
        assert_eq!(streak_text(Streak { current: 4, longest: 4, today: true }), "4 days in a row.");
        assert_eq!(
            streak_text(Streak { current: 4, longest: 6, today: false }),
            "Complete a module today to keep your 4-day streak."
        );
    }
}
