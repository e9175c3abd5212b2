//! People and teams: the accounts admins manage, and the people managers are
//! responsible for.

pub mod teams;
pub mod users;

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

/// The `/api/v1/users`, `/api/v1/teams` and `/api/v1/me/people` routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user, users::update_user))
        .routes(routes!(users::create_password_reset))
        .routes(routes!(users::my_people))
        .routes(routes!(teams::list_teams, teams::create_team))
        .routes(routes!(teams::update_team))
}

/// Checks a time zone name against the time zone database.
pub fn parse_time_zone(input: &str) -> Result<String, app::api::validate::FieldError> {
    let tz = app::api::validate::time_zone_shape(input)?;
    tz.parse::<chrono_tz::Tz>().map(|_| tz.clone()).map_err(|_| {
        app::api::validate::FieldError::new(
            "time_zone",
            format!("{tz:?} is not a time zone Primer knows; use a name such as Europe/Berlin."),
        )
    })
}

/// Today's date in a time zone (UTC if the name is unknown).
pub fn today_in(time_zone: &str) -> chrono::NaiveDate {
    date_in(time_zone, chrono::Utc::now())
}

/// The date of a moment in a time zone (UTC if the name is unknown).
pub fn date_in(time_zone: &str, at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    match time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).date_naive(),
        Err(_) => at.date_naive(),
    }
}

/// The signed-in person as `GET /api/v1/me` answers.
pub fn me(user: app::api::User) -> app::api::Me {
    app::api::Me { today: today_in(&user.time_zone), user }
}
