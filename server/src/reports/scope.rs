//! Whose figures a report covers: the people a viewer is responsible for (admins
//! everyone, managers the teams they manage), narrowed by team, job role or person.

use std::collections::HashMap;

use app::api::{Role, TeamRef, User};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Func},
};

use crate::{
    accounts::users,
    db::entities::{team, user},
    error::ApiError,
};

/// Whose figures a report covers.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Only people of these teams (`None`: everyone).
    pub teams: Option<Vec<i64>>,
    /// Only people with this job role (any case).
    pub job_role: Option<String>,
    /// The viewer: their own row isn't in their team's report.
    pub viewer_id: i64,
    /// Every team's name, by id.
    pub team_names: HashMap<i64, String>,
    /// The teams the viewer may filter by.
    pub choices: Vec<TeamRef>,
    /// Only this person (one person's report).
    pub person: Option<i64>,
}

impl Scope {
    /// The scope of a viewer asking for `team_id` (all they may see if none): managers get
    /// 403 for a team they don't manage.
    pub async fn for_viewer(
        db: &impl ConnectionTrait,
        viewer: &User,
        team_id: Option<i64>,
        job_role: Option<String>,
    ) -> Result<Scope, ApiError> {
        let all = team::Entity::find().order_by_asc(team::Column::Name).all(db).await?;
        let team_names: HashMap<i64, String> = all.iter().map(|t| (t.id, t.name.clone())).collect();
        let everyone = !matches!(viewer.role, Role::Manager);
        let choices: Vec<TeamRef> = if everyone {
            all.iter().map(|t| TeamRef { id: t.id, name: t.name.clone() }).collect()
        } else {
            viewer.manages.clone()
        };
        let teams = match team_id {
            Some(id) if !team_names.contains_key(&id) => return Err(ApiError::not_found("Team")),
            Some(id) if !everyone && !viewer.manages.iter().any(|t| t.id == id) => return Err(ApiError::Forbidden),
            Some(id) => Some(vec![id]),
            None if everyone => None,
            None => Some(viewer.manages.iter().map(|t| t.id).collect()),
        };
        let job_role = job_role.map(|j| j.trim().to_string()).filter(|j| !j.is_empty());
        Ok(Scope { teams, job_role, viewer_id: viewer.id, team_names, choices, person: None })
    }

    /// The ids of the people in scope, as a subquery.
    pub fn ids(&self) -> sea_orm::sea_query::SelectStatement {
        sea_orm::QueryTrait::into_query(self.filter(user::Entity::find().select_only().column(user::Column::Id)))
    }

    /// Limits a query of people to the scope: active people, not the viewer.
    pub fn filter(&self, query: Select<user::Entity>) -> Select<user::Entity> {
        let mut query = users::people_in(query, self.viewer_id, self.teams.as_deref());
        if let Some(id) = self.person {
            query = query.filter(user::Column::Id.eq(id));
        }
        if let Some(role) = &self.job_role {
            query = query.filter(Expr::expr(Func::lower(Expr::col(user::Column::JobRole))).eq(role.to_lowercase()));
        }
        query
    }
}
