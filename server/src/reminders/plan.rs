//! What is due to be sent at a moment: the planner the 5-minute tick runs, and
//! `primer reminders preview` prints. It reads; [`super::write`] writes.

use std::collections::{HashMap, HashSet};

use app::api::{Role, User, messages::MessageKind};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use super::{
    digest::{self, Digest},
    prefs::Prefs,
    rule::{self, Cadence, Step},
};
use crate::{
    accounts::users,
    db::entities::{certificate, module_progress, reminder_step, sync_device, team_manager, user},
    error::ApiError,
    modules::catalog::Content,
};

/// Someone a message goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub time_zone: String,
}

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// A required module, due on the item's date.
    Module { id: i64 },
    /// A certificate, expiring on the item's date.
    Certificate { id: i64 },
    /// A device the person used Primer on, silent since the item's date.
    Device,
}

/// One item a message is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub what: What,
    /// The module's or certification's title.
    pub title: String,
    /// When it is due, expires, or last synced (in the recipient's time zone).
    pub date: NaiveDate,
    /// Days past that date on the day planned (negative: days left).
    pub days_over: i64,
    /// How many reminders the person has had about it, this one included.
    pub reminders: usize,
}

/// A step to write: `(person, item, step)`.
pub type StepRow = (i64, String, String);

/// What a manager is to hear about one of their people: the items and their steps, by
/// (manager, person).
type ForManagers = HashMap<(i64, i64), (Vec<Item>, Vec<StepRow>)>;

/// A message the planner found due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    pub kind: MessageKind,
    pub to: Recipient,
    /// Whom it is about, for a manager's copy or "done".
    pub about: Option<Recipient>,
    pub items: Vec<Item>,
    /// Not before then: the recipient's sending hour, outside their quiet hours.
    pub send_at: DateTime<Utc>,
    /// The steps it takes, `(person, item, step)`: written with it, so it is sent once.
    pub steps: Vec<StepRow>,
    /// False when the recipient turned this kind off: the steps are still taken (the
    /// cadence goes on, and managers are still told), nothing is sent to them.
    pub send: bool,
    /// A weekly digest's figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
}

impl Planned {
    /// Its idempotency key: the same plan on two servers is one message.
    pub fn key(&self) -> String {
        use sha2::Digest;
        let mut steps: Vec<String> = self.steps.iter().map(|(u, i, s)| format!("{u}/{i}/{s}")).collect();
        steps.sort();
        let digest = sha2::Sha256::digest(steps.join("\n").as_bytes());
        format!("{}:{}:{}", self.kind.as_str(), self.to.user_id, hex::encode(&digest[..12]))
    }
}

/// An item's name in `reminder_steps`: a new due date is a new item.
fn item_key(module_id: i64, due: NaiveDate) -> String {
    format!("module:{module_id}:{due}")
}

fn tz_of(name: &str) -> Tz {
    // An unknown zone reads as UTC, as everywhere else in Primer.
    name.parse().unwrap_or(Tz::UTC)
}

fn recipient(u: &user::Model) -> Recipient {
    Recipient { user_id: u.id, name: u.name.clone(), email: u.email.clone(), time_zone: u.time_zone.clone() }
}

/// The person as assignments see them.
fn as_assignee(u: &user::Model) -> User {
    User {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        role: Role::Learner,
        job_role: u.job_role.clone(),
        team_id: u.team_id,
        team: None,
        manages: Vec::new(),
        time_zone: u.time_zone.clone(),
        start_date: u.start_date,
        active: true,
        has_password: true,
        created_at: u.created_at,
        hide_from_leaderboards: false,
    }
}

/// Everything due at `now`: for each active person whose day has reached the sending
/// hour (outside their quiet hours), one reminder listing every required item that
/// reached a new step of the cadence, every certificate near or at its expiry, and every
/// device of theirs silent for a week (weekly, four times); from a person's second
/// reminder about an item, a copy to each manager of their team; "done" to every manager
/// who was told about an item since completed; and each manager's weekly digest, on
/// their day and hour. Suggested items never remind. Reads only.
pub async fn plan(db: &DatabaseConnection, cadence: &Cadence, now: DateTime<Utc>) -> Result<Vec<Planned>, ApiError> {
    let people =
        user::Entity::find().filter(user::Column::Active.eq(true)).order_by_asc(user::Column::Id).all(db).await?;
    let by_id: HashMap<i64, &user::Model> = people.iter().map(|u| (u.id, u)).collect();
    let prefs = Prefs::all(db).await?;
    let mut taken: HashMap<(i64, String), HashSet<String>> = HashMap::new();
    for s in reminder_step::Entity::find().all(db).await? {
        taken.entry((s.user_id, s.item)).or_default().insert(s.step);
    }
    let mut managers: HashMap<i64, Vec<i64>> = HashMap::new();
    // Everyone who manages a team, once each, in order: the digest's recipients.
    let mut managing = std::collections::BTreeSet::new();
    for m in team_manager::Entity::find().all(db).await? {
        managers.entry(m.team_id).or_default().push(m.user_id);
        managing.insert(m.user_id);
    }
    let mut devices: HashMap<i64, Vec<sync_device::Model>> = HashMap::new();
    for d in sync_device::Entity::find().order_by_asc(sync_device::Column::LastSyncAt).all(db).await? {
        devices.entry(d.user_id).or_default().push(d);
    }
    let content = Content::load(db).await?;
    let mut held: HashMap<i64, Vec<certificate::Model>> = HashMap::new();
    for c in certificate::Entity::find().all(db).await? {
        held.entry(c.user_id).or_default().push(c);
    }
    let mut progress: HashMap<(i64, i64), module_progress::Model> = HashMap::new();
    for p in module_progress::Entity::find().filter(module_progress::Column::CompletedAt.is_not_null()).all(db).await? {
        progress.insert((p.user_id, p.module_id), p);
    }
    let window = |u: &user::Model| {
        let p = prefs.get(&u.id).cloned().unwrap_or_default();
        (tz_of(&u.time_zone), p)
    };

    let mut out = Vec::new();
    // A manager's copies and "done"s, gathered per (manager, person).
    let mut copies: ForManagers = HashMap::new();
    let mut dones: ForManagers = HashMap::new();
    for person in &people {
        let (tz, person_prefs) = window(person);
        let today = now.with_timezone(&tz).date_naive();
        let held = held.get(&person.id).map(Vec::as_slice).unwrap_or_default();
        let (assigned, _) = content.assigned_to(&as_assignee(person), held, now);
        let their_managers: Vec<i64> = person
            .team_id
            .and_then(|t| managers.get(&t))
            .into_iter()
            .flatten()
            .copied()
            .filter(|m| *m != person.id && by_id.contains_key(m))
            .collect();
        let mut due_items = Vec::new();
        let mut steps = Vec::new();
        for (m, version, _) in &content.published {
            let Some(a) = assigned.get(&m.id).filter(|a| a.required) else { continue };
            let Some(due) = a.due_date else { continue };
            let item = item_key(m.id, due);
            let done_steps = taken.get(&(person.id, item.clone()));
            let done = progress.get(&(person.id, m.id)).is_some_and(|p| match a.since {
                None => p.completed_at.is_some(),
                Some(since) => p.last_completed_at.is_some_and(|at| at > since),
            });
            let entry = |reminders| Item {
                what: What::Module { id: m.id },
                title: version.title.clone(),
                date: due,
                days_over: (today - due).num_days(),
                reminders,
            };
            if done {
                // Managers who were told it slid hear that it's done, once.
                for manager in &their_managers {
                    let told = done_steps.is_some_and(|s| s.contains(&format!("copied:{manager}")));
                    let said = done_steps.is_some_and(|s| s.contains(&format!("done:{manager}")));
                    if told && !said {
                        let (items, steps) = dones.entry((*manager, person.id)).or_default();
                        items.push(entry(0));
                        steps.push((person.id, item.clone(), format!("done:{manager}")));
                    }
                }
                continue;
            }
            let Some(step) = rule::step(due, today, cadence) else { continue };
            if done_steps.is_some_and(|s| s.contains(&step.key())) {
                continue;
            }
            // Reminders are only worked out in the person's sending window, so the day's
            // go together, in one message.
            if !rule::open(now, tz, cadence.hour, person_prefs.quiet) {
                continue;
            }
            let earlier = done_steps
                .map_or(0, |s| s.iter().filter(|s| s.starts_with("before-") || s.starts_with("overdue-")).count());
            let it = entry(earlier + 1);
            if earlier >= 1 && matches!(step, Step::Overdue(_)) {
                for manager in &their_managers {
                    let (items, steps) = copies.entry((*manager, person.id)).or_default();
                    items.push(it.clone());
                    steps.push((person.id, item.clone(), format!("copied:{manager}")));
                }
            }
            due_items.push(it);
            steps.push((person.id, item, step.key()));
        }
        // What isn't training goes in the same message, in the same window.
        if rule::open(now, tz, cadence.hour, person_prefs.quiet) {
            let mut newest: Vec<&certificate::Model> =
                certificate::newest_per_certification(held).into_values().collect();
            newest.sort_by_key(|c| (c.expires_at, c.id));
            for c in newest {
                let Some(expires) = c.expires_at else { continue };
                let expiry = expires.with_timezone(&tz).date_naive();
                let Some(step) = rule::expiry_step(expiry, today, &cadence.expiry) else { continue };
                let item = format!("certificate:{}", c.id);
                let taken_steps = taken.get(&(person.id, item.clone()));
                if taken_steps.is_some_and(|s| s.contains(&step)) {
                    continue;
                }
                due_items.push(Item {
                    what: What::Certificate { id: c.id },
                    title: c.certification_title.clone(),
                    date: expiry,
                    days_over: (today - expiry).num_days(),
                    reminders: taken_steps.map_or(0, HashSet::len) + 1,
                });
                steps.push((person.id, item, step));
            }
            for d in devices.get(&person.id).into_iter().flatten() {
                let Some(step) = rule::nudge_step(d.last_sync_at, now) else { continue };
                // A sync starts a new item: the next silence is nudged afresh.
                let item = format!("device:{}:{}", d.device_id, d.last_sync_at.timestamp_millis());
                let taken_steps = taken.get(&(person.id, item.clone()));
                if taken_steps.is_some_and(|s| s.contains(&step)) {
                    continue;
                }
                let last = d.last_sync_at.with_timezone(&tz).date_naive();
                due_items.push(Item {
                    what: What::Device,
                    title: String::new(),
                    date: last,
                    days_over: (today - last).num_days(),
                    reminders: taken_steps.map_or(0, HashSet::len) + 1,
                });
                steps.push((person.id, item, step));
            }
        }
        if !due_items.is_empty() {
            out.push(Planned {
                kind: MessageKind::Reminder,
                to: recipient(person),
                about: None,
                items: due_items,
                send_at: now,
                steps,
                send: person_prefs.wants(MessageKind::Reminder),
                digest: None,
            });
        }
    }
    for (kind, gathered) in [(MessageKind::OverdueCopy, copies), (MessageKind::Completed, dones)] {
        let mut gathered: Vec<_> = gathered.into_iter().collect();
        gathered.sort_by_key(|((m, p), _)| (*m, *p));
        for ((manager, person), (items, steps)) in gathered {
            let (Some(to), Some(about)) = (by_id.get(&manager), by_id.get(&person)) else { continue };
            let (tz, p) = window(to);
            out.push(Planned {
                kind,
                to: recipient(to),
                about: Some(recipient(about)),
                items,
                send_at: rule::next_open(now, tz, cadence.hour, p.quiet),
                steps,
                send: p.wants(kind),
                digest: None,
            });
        }
    }
    // Each manager's weekly digest, on their day and hour.
    for id in managing {
        let Some(manager) = by_id.get(&id) else { continue };
        let (tz, p) = window(manager);
        if !rule::digest_open(now, tz, p.digest.weekday, u32::from(p.digest.hour), p.quiet) {
            continue;
        }
        let week = rule::week_name(now, tz);
        if taken.get(&(manager.id, DIGEST_ITEM.to_owned())).is_some_and(|s| s.contains(&week)) {
            continue;
        }
        let send = p.wants(MessageKind::Digest);
        // Read only for those who get it (the step is taken all the same).
        let digest =
            if send { Some(digest::read(db, &users::view(db, (*manager).clone()).await?).await?) } else { None };
        out.push(Planned {
            kind: MessageKind::Digest,
            to: recipient(manager),
            about: None,
            items: Vec::new(),
            send_at: now,
            steps: vec![(manager.id, DIGEST_ITEM.to_owned(), week)],
            send,
            digest,
        });
    }
    Ok(out)
}

/// The digest's item in `reminder_steps` (its steps are weeks, `2027-W02`).
const DIGEST_ITEM: &str = "digest";
