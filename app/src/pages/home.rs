//! Home: what a person should do next: prep for a meeting, continue where they left off,
//! what's due soon, and where their records stand; by role, the teams a manager looks
//! after and the admin's tools.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::{
        Me, RecordKind, RequestError, Role, User,
        boosters::{BoosterQuestion, due_today},
    },
    components::{
        gate::signed_in,
        learner::{
            LearnerData, ModuleCard, ModuleList, SaveButton, SyncStatus, learner_data, live_progress, remember_trail,
            with_learner_data,
        },
        module_view::QuestionView,
    },
    device::{self, Trail, outbox, use_device},
    learning::{continue_with, due_soon},
    pages::{
        certificates::{RenewalReminders, with_my_certificates},
        recognition::HomeRecognition,
    },
    reads,
};

/// Where someone is in the 30/60/90-day onboarding tiers.
pub fn onboarding_summary(user: &User, today: NaiveDate) -> Option<String> {
    let start = user.start_date?;
    if today < start {
        let days = (start - today).num_days();
        return Some(format!(
            "Starts on {} ({days} day{} from now).",
            crate::dates::day_month_year(&start),
            if days == 1 { "" } else { "s" }
        ));
    }
    let day = user.onboarding_day(today)?;
    Some(match day {
        1..=30 => format!("Day {day} of onboarding: your first 30 days."),
        31..=60 => format!("Day {day} of onboarding: days 31 to 60."),
        61..=90 => format!("Day {day} of onboarding: days 61 to 90."),
        _ => format!("Onboarding complete: started {} days ago.", day - 1),
    })
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

#[component]
pub fn HomePage() -> impl IntoView {
    let data = learner_data();
    view! {
        <Title text="Home"/>
        {signed_in(&Role::EVERYONE, move |me: Me| view! { <Home me data/> })}
    }
}

/// How many "due soon" items Home lists.
const DUE_SOON_SHOWN: usize = 3;

/// How many of the first items due a newcomer saves with one tap.
const SAVE_FIRST: usize = 3;

/// A newcomer's first Home (nothing done yet, nothing waiting): what Primer is for, one
/// tap to save what is due first, and how to keep it on the home screen.
#[component]
fn Welcome(first_due: Vec<crate::api::CatalogModule>) -> impl IntoView {
    let (ios, standalone) = device::home_screen();
    view! {
        <section class="card welcome" data-testid="welcome">
            <h2>"Welcome to Primer"</h2>
            <p>"Short modules for the minutes before a meeting. Save them on this phone and they play without signal; what you do offline reaches Primer by itself when you're back online."</p>
            {(!first_due.is_empty()).then(|| view! {
                <p class="small muted">{format!("Due first: {}.", first_due.iter().map(|m| m.title.clone()).collect::<Vec<_>>().join(", "))}</p>
                <SaveButton job="welcome".to_string() modules=first_due label="Save what's due first"/>
            })}
            {move || (!standalone.get()).then(|| if ios.get() {
                view! {
                    <p class="small" data-testid="home-screen-advice">
                        "On iPhone, add Primer to your Home Screen: tap Share, then “Add to Home Screen”, and open it from there. Safari deletes a website's saved modules after seven days without a visit; from the Home Screen they stay."
                    </p>
                }.into_any()
            } else {
                view! {
                    <p class="small" data-testid="home-screen-advice">
                        "Add Primer to your home screen (the browser's menu, then “Add to Home screen” or “Install app”): it opens like an app, offline too."
                    </p>
                }.into_any()
            })}
        </section>
    }
}

#[component]
pub(crate) fn Learning(data: LearnerData) -> impl IntoView {
    let device = use_device();
    let progress = live_progress(device, data.progress.clone());
    let catalog = StoredValue::new(data.catalog);
    let nothing = catalog.with_value(|c| c.modules.is_empty());
    remember_trail("Home", false);
    // The last playlist, while it is for today (kept on the phone, so offline too).
    let playlist = move || device.playlist.get().filter(|p| p.is_current(device::now()));
    let prep_href = move || playlist().map(|p| p.prep_href()).unwrap_or_else(|| "/prep".into());
    // The playlist card's figures: drawn again only when they change.
    let playlist_state = Memo::new(move |_| {
        playlist().map(|p| {
            let progress = progress.get();
            let (done, total) = catalog.with_value(|c| p.done(c, &progress));
            let resume = catalog.with_value(|c| p.resume(c, &progress).map(|m| m.id));
            (p, done, total, resume)
        })
    });
    let next = Memo::new(move |_| catalog.with_value(|c| continue_with(c, &progress.get()).map(|m| m.id)));
    // Nothing done and nothing waiting: someone new. Memos, so a card is drawn again only
    // when what it shows changes (not each time progress is read again: a redrawn card is
    // a new "largest paint" for the phone, and work for its CPU).
    let newcomer = Memo::new(move |_| progress.with(|p| p.modules.is_empty()) && device.outbox.with(|o| o.is_empty()));
    let due_ids = Memo::new(move |_| {
        let shown = next.get();
        catalog.with_value(|c| {
            due_soon(c, &progress.get()).into_iter().map(|m| m.id).filter(|id| Some(*id) != shown).collect::<Vec<_>>()
        })
    });
    let modules_of = move |ids: &[i64], most: usize| -> Vec<crate::api::CatalogModule> {
        catalog.with_value(|c| {
            ids.iter().filter_map(|id| c.modules.iter().find(|m| m.id == *id)).take(most).cloned().collect()
        })
    };
    view! {
        {move || newcomer.get().then(|| {
            // The first due, whatever "Continue" shows.
            let first_due: Vec<_> = catalog.with_value(|c| {
                due_soon(c, &progress.get_untracked()).into_iter().take(SAVE_FIRST).cloned().collect()
            });
            view! { <Welcome first_due/> }
        })}
        {move || playlist_state.get().and_then(|(p, done, total, resume)| {
            (total > 0).then(|| {
                let trail = Trail { label: "Home".into(), href: "/".into(), playlist: true };
                view! {
                    <section class="card" data-testid="home-playlist">
                        <h2>{p.heading()}</h2>
                        <p class="small" data-testid="home-playlist-done">{format!("{done} of {total} done")}</p>
                        {match resume {
                            Some(id) => view! {
                                <a class="button" href=format!("/modules/{id}") data-testid="home-playlist-continue"
                                    on:click=move |_| device.set_trail(trail.clone())>"Continue"</a>
                            }.into_any(),
                            None => view! { <p class="alert ok small">"All done. Good luck in the meeting!"</p> }.into_any(),
                        }}
                    </section>
                }
            })
        })}
        <section class="card prep-card">
            <h2>"Prep for a meeting"</h2>
            <p class="muted small">"Pick the product, industry and deal stage, and how many minutes you have."</p>
            <a class="button" href=prep_href data-testid="prep-link">"Prep now"</a>
        </section>
        {move || {
            let next = next.get().and_then(|id| catalog.with_value(|c| c.modules.iter().find(|m| m.id == id).cloned()));
            next.map(|module| view! {
                <section class="card" data-testid="continue">
                    <h2>"Continue"</h2>
                    <ul class="module-list"><ModuleCard module progress/></ul>
                </section>
            })
        }}
        {move || {
            // What "Continue" shows isn't listed again under "Due soon".
            let due = due_ids.with(|ids| modules_of(ids, DUE_SOON_SHOWN));
            (!due.is_empty()).then(|| view! {
                <section class="card" data-testid="due-soon">
                    <h2>"Due soon"</h2>
                    <ModuleList modules=due progress/>
                    <a class="small tap" href="/progress">"All your progress"</a>
                </section>
            })
        }}
        {nothing.then(|| view! {
            <section class="card" data-testid="learning">
                <h2>"Your learning"</h2>
                <p>"Nothing is published for you yet."</p>
                <p class="muted small">"When authors publish modules and learning paths for your role, they show up here."</p>
            </section>
        })}
        <div class="line">
            <SyncStatus/>
            <a class="small tap" href="/device">"On this device"</a>
        </div>
    }
}

/// Today's boosters (at most two): quiz questions coming back, answered in seconds, with
/// the explanation after. Worked out on the phone only, once hydrated, from the server's
/// copy (which the service worker keeps, so offline too) and the answers still in the
/// outbox; the server's render has none. Both are shown at once, and stay until the page
/// is left: each answer goes to the outbox as it is given.
#[component]
fn HomeBoosters(user_id: i64) -> impl IntoView {
    let device = use_device();
    let today = RwSignal::new(Vec::<BoosterQuestion>::new());
    Effect::new(move |_| {
        // Once this person's device state is loaded: the answers in their outbox count.
        if device.user_id.get() != Some(user_id) {
            return;
        }
        leptos::task::spawn_local(async move {
            let Ok(questions) = reads::read(reads::Boosters).await else { return };
            let due = device.outbox.with_untracked(|o| {
                let waiting = o.iter().filter(|e| e.record.kind == RecordKind::BoosterAnswer).filter_map(|e| {
                    let r = &e.record;
                    Some((
                        r.module_id,
                        r.module_version,
                        r.occurred_at,
                        r.id.as_str(),
                        serde_json::from_value(r.payload.clone()).ok()?,
                    ))
                });
                due_today(&questions, user_id, waiting, device::now(), device::utc_offset_minutes())
                    .into_iter()
                    .cloned()
                    .collect()
            });
            today.set(due);
        })
    });
    move || {
        let due = today.get();
        (!due.is_empty()).then(|| view! {
            <section class="card" data-testid="boosters">
                <h2>"Boosters"</h2>
                {due.into_iter().enumerate().map(|(i, q)| {
                    let key = q.key();
                    let on_checked = Callback::new(move |(_, picked): (bool, Vec<u32>)| {
                        let payload = serde_json::json!({ "index": key.index, "picked": picked });
                        outbox::record(device, user_id, RecordKind::BoosterAnswer, key.module_id, key.version, payload, crate::api::Effect::Answered);
                    });
                    view! {
                        <p class="muted small">{format!("Again, from {}", q.title)}</p>
                        <QuestionView index=key.index as usize name=format!("b{i}")
                            question=q.question on_checked/>
                    }
                }).collect_view()}
            </section>
        })
    }
}

#[component]
fn Home(me: Me, data: Resource<Result<LearnerData, RequestError>>) -> impl IntoView {
    let user = me.user.clone();
    let onboarding = onboarding_summary(&user, me.today);
    let role = user.role;
    view! {
        <h1 data-testid="home-title">{format!("Welcome, {}", first_name(&user.name))}</h1>
        <p class="muted">{user.job_role.clone().map(|j| format!("{j} · ")).unwrap_or_default()} {user.role.label()}</p>

        {onboarding.map(|text| view! {
            <section class="card" data-testid="onboarding">
                <h2>"Onboarding"</h2>
                <p>{text}</p>
            </section>
        })}

        {with_my_certificates(|held| view! { <RenewalReminders certificates=held/> })}
        <HomeRecognition/>
        <HomeBoosters user_id=user.id/>
        {with_learner_data(data, |data| view! { <Learning data/> })}

        {(role == Role::Manager).then(|| {
            let teams = user.manages.clone();
            view! {
                <section class="card" data-testid="manager-teams">
                    <h2>"Teams you look after"</h2>
                    {if teams.is_empty() {
                        view! { <p class="muted">"No teams yet. An admin can add the teams you're responsible for."</p> }.into_any()
                    } else {
                        view! {
                            <p>{teams.iter().map(|t| t.name.clone()).collect::<Vec<_>>().join(", ")}</p>
                            <a class="button secondary" href="/team" rel="external">"See your people"</a>
                        }.into_any()
                    }}
                </section>
            }
        })}

        {(role == Role::Admin).then(|| view! {
            <section class="card" data-testid="admin-tools">
                <h2>"Administration"</h2>
                <div class="actions">
                    <a class="button secondary" href="/admin/people" rel="external">"People"</a>
                    <a class="button secondary" href="/admin/teams" rel="external">"Teams"</a>
                    <a class="button secondary" href="/team" rel="external">"Everyone's progress"</a>
                    <a class="button secondary" href="/api/docs/" rel="external">"API reference"</a>
                </div>
            </section>
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(start: Option<NaiveDate>) -> User {
        User { start_date: start, ..crate::api::sample_user() }
    }

    #[test]
    fn onboarding_tiers() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let start = |y, m, d| Some(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(onboarding_summary(&user(None), today), None);
        assert!(onboarding_summary(&user(start(2026, 6, 30)), today).unwrap().starts_with("Day 1 of"));
        // Day 30 is the last of the first tier, day 31 the first of the second.
        assert!(
            onboarding_summary(&user(start(2026, 6, 1)), today)
                .unwrap()
                .starts_with("Day 30 of onboarding: your first 30")
        );
        assert!(
            onboarding_summary(&user(start(2026, 5, 31)), today)
                .unwrap()
                .starts_with("Day 31 of onboarding: days 31 to 60")
        );
        assert!(
            onboarding_summary(&user(start(2026, 4, 2)), today)
                .unwrap()
                .starts_with("Day 90 of onboarding: days 61 to 90")
        );
        assert!(
            onboarding_summary(&user(start(2026, 4, 1)), today)
                .unwrap()
                .starts_with("Onboarding complete: started 90 days ago")
        );
        assert!(onboarding_summary(&user(start(2026, 1, 1)), today).unwrap().starts_with("Onboarding complete"));
        assert!(onboarding_summary(&user(start(2026, 7, 1)), today).unwrap().contains("1 day from now"));
    }

    #[test]
    fn first_names() {
        assert_eq!(first_name("Dana Lee"), "Dana");
        assert_eq!(first_name("Cher"), "Cher");
    }
}
