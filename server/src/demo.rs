//! `primer demo`: demo people and teams, so a newcomer signs in to something real. Safe
//! to run any number of times: what exists is left as it is.

use app::api::{NewUser, Role};
use chrono::{Days, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::{
    accounts::{
        teams,
        users::{self, UserDraft},
    },
    auth::password,
    db::entities::user,
    error::ApiError,
};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "primer-demo";

/// A demo account: (email, name, role, job role, team, manages, days since start).
type DemoPerson = (
    &'static str,
    &'static str,
    Role,
    Option<&'static str>,
    Option<&'static str>,
    &'static [&'static str],
    Option<u64>,
);

/// The demo people. The first four are the sign-ins printed for newcomers.
pub const PEOPLE: &[DemoPerson] = &[
    (
        "learner@primer.example",
        "Leo Learner",
        Role::Learner,
        Some("Account Executive"),
        Some("Retail North"),
        &[],
        Some(12),
    ),
    ("author@primer.example", "Ava Author", Role::Author, Some("Enablement Lead"), None, &[], Some(400)),
    (
        "manager@primer.example",
        "Maya Manager",
        Role::Manager,
        Some("Sales Manager"),
        Some("Retail North"),
        &["Retail North", "Enterprise"],
        Some(700),
    ),
    ("admin@primer.example", "Adam Admin", Role::Admin, Some("Sales Operations"), None, &[], Some(900)),
    ("sam@primer.example", "Sam Rivera", Role::Learner, Some("Account Executive"), Some("Retail North"), &[], Some(47)),
    (
        "priya@primer.example",
        "Priya Shah",
        Role::Learner,
        Some("Solutions Engineer"),
        Some("Enterprise"),
        &[],
        Some(75),
    ),
    ("jonas@primer.example", "Jonas Berg", Role::Learner, Some("Account Executive"), Some("Enterprise"), &[], Some(3)),
];

/// What `primer demo` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub created: Vec<String>,
    pub existing: Vec<String>,
}

/// Loads the demo people and teams that are not there yet, in one transaction.
pub async fn load(db: &DatabaseConnection) -> Result<DemoReport, ApiError> {
    // One hash for all: argon2 is slow on purpose, and they share the password anyway.
    let hash = password::hash(DEMO_PASSWORD.to_string()).await?;
    let txn = crate::db::begin_write(db).await?;
    let mut report = DemoReport::default();
    let today = Utc::now().date_naive();
    for &(email, name, role, job_role, team, manages, started_days_ago) in PEOPLE {
        if user::Entity::find().filter(user::Column::Email.eq(email)).one(&txn).await?.is_some() {
            report.existing.push(email.to_string());
            continue;
        }
        let team_id = match team {
            Some(t) => Some(teams::find_or_create(&txn, t).await?.id),
            None => None,
        };
        let mut manages_ids = Vec::new();
        for t in manages {
            manages_ids.push(teams::find_or_create(&txn, t).await?.id);
        }
        let draft = UserDraft::parse(NewUser {
            email: email.into(),
            name: name.into(),
            role,
            job_role: job_role.map(Into::into),
            team_id,
            manages: manages_ids,
            start_date: started_days_ago.and_then(|d| today.checked_sub_days(Days::new(d))),
            time_zone: Some("Europe/London".into()),
            password: None,
        })?;
        users::insert(&txn, &draft, Some(hash.clone())).await?;
        report.created.push(email.to_string());
    }
    txn.commit().await?;
    Ok(report)
}
