//! What a learner may open: the latest published version of every module assigned to
//! them (directly or through a path) or open to them (a published module is open to
//! every learner unless its author limits it to job roles or teams), and the paths that
//! hold them.

use std::collections::{HashMap, HashSet};

use app::api::{
    Assigned, Audience, Catalog, CatalogModule, CatalogPath, Download, Downloads, EXPIRING_DAYS, ErrorBody,
    LearnerModule, MediaRef, ModuleContent, ModuleStatus, Quality, Rendition, User,
};
use axum::extract::State;
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::reads::{Gate, Serve, respond};
use crate::{
    auth::{AnyRole, Auth},
    db::{
        self,
        columns::Undecodable,
        entities::{assignment, certificate, certification, media, module, module_version, path, path_module},
    },
    error::{ApiError, Json, Path},
    media::{MediaKind, media_ref, renditions},
    state::AppState,
};
use app::reads;

/// Whether an assignment is for this person.
pub(crate) fn applies(a: &assignment::Model, user: &User) -> bool {
    let role_ok = match &a.job_role {
        Some(role) => user.job_role.as_deref().is_some_and(|j| j.eq_ignore_ascii_case(role)),
        None => true,
    };
    let team_ok = a.team_id.is_none_or(|t| user.team_id == Some(t));
    (a.job_role.is_some() || a.team_id.is_some()) && role_ok && team_ok
}

/// This person's due date for an assignment: days after their start date (or, without
/// one, after their account was made; with a grace period, after the assignment if that
/// is later), or the assignment's date.
pub(crate) fn due_date(a: &assignment::Model, user: &User) -> Option<NaiveDate> {
    a.due_date.or_else(|| {
        let start = user.start_date.unwrap_or_else(|| user.created_at.date_naive());
        let from = if a.grace { start.max(a.created_at.date_naive()) } else { start };
        a.due_days.and_then(|d| from.checked_add_days(Days::new(d as u64)))
    })
}

/// Two ways something reached the same person: required wins; the earliest due date of
/// the required ones (or of all, if none is required) counts.
fn merge(current: Option<Assigned>, next: Assigned) -> Assigned {
    let Some(current) = current else { return next };
    let earliest = |a: Option<NaiveDate>, b: Option<NaiveDate>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // A renewal asks for it again, by its own date, whatever else assigned it (the
    // first time's due date is long past).
    match current.since.cmp(&next.since) {
        std::cmp::Ordering::Less => return next,
        std::cmp::Ordering::Greater => return current,
        std::cmp::Ordering::Equal => {}
    }
    match (current.required, next.required) {
        (true, false) => current,
        (false, true) => next,
        _ => Assigned {
            required: current.required,
            due_date: earliest(current.due_date, next.due_date),
            since: current.since,
        },
    }
}

/// Renewals due: a certificate that expires within 30 days (or has expired) with no newer
/// one assigns its certification's path again, required, due when it expires, counting
/// only what is done after it was earned. `held` is one person's certificates.
fn renewals(
    held: &[certificate::Model],
    certifications: &HashMap<i64, certification::Model>,
    now: DateTime<Utc>,
) -> Vec<(i64, Assigned)> {
    let renew_from = now + TimeDelta::days(EXPIRING_DAYS);
    certificate::newest_per_certification(held)
        .into_values()
        .filter(|c| c.expires_at.is_some_and(|e| e <= renew_from))
        .filter_map(|c| {
            let path_id = certifications.get(&c.certification_id)?.path_id;
            let due_date = c.expires_at.map(|e| e.date_naive());
            Some((path_id, Assigned { required: true, due_date, since: Some(c.issued_at) }))
        })
        .collect()
}

fn open_to(audience: &Audience, user: &User) -> bool {
    audience.is_everyone()
        || user.job_role.as_deref().is_some_and(|j| audience.job_roles.iter().any(|r| r.eq_ignore_ascii_case(j)))
        || user.team_id.is_some_and(|t| audience.team_ids.contains(&t))
}

/// The published versions of these modules, by module id: those in `known` as they are,
/// the rest read (in chunks: one condition per module, well under the databases' limits).
async fn published_versions(
    db: &impl ConnectionTrait,
    modules: &[module::Model],
    mut known: HashMap<i64, module_version::Model>,
) -> Result<HashMap<i64, module_version::Model>, ApiError> {
    let missing: Vec<&module::Model> = modules.iter().filter(|m| !known.contains_key(&m.id)).collect();
    for chunk in missing.chunks(500) {
        let mut latest = Condition::any();
        for m in chunk {
            latest = latest.add(
                Condition::all()
                    .add(module_version::Column::ModuleId.eq(m.id))
                    .add(module_version::Column::Version.eq(m.published_version.unwrap_or(0))),
            );
        }
        known
            .extend(module_version::Entity::find().filter(latest).all(db).await?.into_iter().map(|v| (v.module_id, v)));
    }
    Ok(known)
}

/// Everything the catalog is built from, for one person.
struct Visible {
    /// Published modules this person may open, with their latest version, how they are
    /// assigned, and whether they are a certification's assessment.
    modules: Vec<(module::Model, module_version::Model, Option<Assigned>, bool)>,
    /// Non-archived paths with their steps, and how each reached the person.
    paths: Vec<(path::Model, Vec<i64>, Option<Assigned>)>,
}

/// What every person's catalog is built from, the same for everyone: loaded once (a
/// report over thousands of people loads it once too), then [`Content::assigned_to`]
/// works out one person's share without another query.
pub struct Content {
    /// Published modules with their latest version and its audience.
    pub published: Vec<(module::Model, module_version::Model, Audience)>,
    /// Non-archived paths, by title.
    pub paths: Vec<path::Model>,
    /// Each path's module ids, in order.
    pub steps: HashMap<i64, Vec<i64>>,
    pub assignments: Vec<assignment::Model>,
    /// Quizzes that are a certification's assessment.
    pub assessments: HashSet<i64>,
    /// Every certification, by id.
    pub certifications: HashMap<i64, certification::Model>,
}

/// How modules and paths reached one person: by module id, and by path id.
pub type AssignedTo = (HashMap<i64, Assigned>, HashMap<i64, Assigned>);

impl Content {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Content, ApiError> {
        let published_modules = module::Entity::find()
            .filter(module::Column::Status.eq(ModuleStatus::Published.as_str()))
            .filter(module::Column::PublishedVersion.is_not_null())
            .all(db)
            .await?;
        let versions = published_versions(db, &published_modules, HashMap::new()).await?;
        let paths = path::Entity::find()
            .filter(path::Column::Archived.eq(false))
            .order_by_asc(path::Column::Title)
            .all(db)
            .await?;
        let steps = path_module::Entity::find().order_by_asc(path_module::Column::Position).all(db).await?;
        let assignments = assignment::Entity::find().all(db).await?;
        let certifications = certification::Entity::find().all(db).await?;
        Content::from_rows(published_modules, versions, paths, steps, assignments, certifications)
    }

    /// What [`Content::load`] reads, narrowed to the modules of some versions and read in
    /// as few statements as possible: what a sync batch is checked against. `named` are
    /// the versions a batch's records name, each with its module (a batch names the
    /// published version, so it is rarely read again); if every module is open to `user`,
    /// no path or assignment is read, since how it reached them doesn't change that.
    /// Enough to tell whether `user` may open those modules, and how they reached them
    /// (not the catalog's paths, nor other modules).
    pub async fn load_for(
        db: &impl ConnectionTrait,
        user: &User,
        named: &[(module_version::Model, Option<module::Model>)],
        certifications: Vec<certification::Model>,
    ) -> Result<Content, ApiError> {
        let mut modules: HashMap<i64, module::Model> = HashMap::new();
        for (_, m) in named {
            if let Some(m) = m.as_ref().filter(|m| m.status == ModuleStatus::Published.as_str()) {
                modules.entry(m.id).or_insert_with(|| m.clone());
            }
        }
        let published_modules: Vec<module::Model> =
            modules.into_values().filter(|m| m.published_version.is_some()).collect();
        let reuse = named
            .iter()
            .filter(|(v, _)| {
                published_modules.iter().any(|m| m.id == v.module_id && m.published_version == Some(v.version))
            })
            .map(|(v, _)| (v.module_id, v.clone()))
            .collect();
        let module_ids: Vec<i64> = published_modules.iter().map(|m| m.id).collect();
        let versions = published_versions(db, &published_modules, reuse).await?;
        let mut content =
            Content::from_rows(published_modules, versions, Vec::new(), Vec::new(), Vec::new(), certifications)?;
        if content.published.iter().all(|(_, _, audience)| open_to(audience, user)) {
            return Ok(content);
        }
        let steps = path_module::Entity::find()
            .filter(path_module::Column::ModuleId.is_in(module_ids.iter().copied()))
            .order_by_asc(path_module::Column::Position)
            .all(db)
            .await?;
        let paths: HashSet<i64> = steps.iter().map(|s| s.path_id).collect();
        content.assignments = assignment::Entity::find()
            .filter(
                Condition::any()
                    .add(assignment::Column::ModuleId.is_in(module_ids.iter().copied()))
                    .add(assignment::Column::PathId.is_in(paths)),
            )
            .all(db)
            .await?;
        for step in steps {
            content.steps.entry(step.path_id).or_default().push(step.module_id);
        }
        Ok(content)
    }

    /// Whether how someone reached these modules could depend on the certificates they
    /// hold (a renewal assigns its certification's path again): only if a path was read.
    pub fn renewals_matter(&self) -> bool {
        !self.steps.is_empty()
    }

    fn from_rows(
        published_modules: Vec<module::Model>,
        mut versions: HashMap<i64, module_version::Model>,
        paths: Vec<path::Model>,
        path_steps: Vec<path_module::Model>,
        assignments: Vec<assignment::Model>,
        certifications: Vec<certification::Model>,
    ) -> Result<Content, ApiError> {
        // A version whose kind, audience, tags or media can't be read is left out (and
        // logged): never shown to everyone, never as something it isn't.
        let published = published_modules
            .into_iter()
            .filter_map(|m| {
                let version = versions.remove(&m.id)?;
                let checked = version.kind().and(version.tags()).and(version.media_ids()).and(version.audience());
                let audience = checked.inspect_err(Undecodable::log_hidden).ok()?;
                Some((m, version, audience))
            })
            .collect();
        let mut steps: HashMap<i64, Vec<i64>> = HashMap::new();
        for step in path_steps {
            steps.entry(step.path_id).or_default().push(step.module_id);
        }
        let assessments = assessment_modules(&certifications)?;
        Ok(Content {
            published,
            paths,
            steps,
            assignments,
            assessments,
            certifications: certifications.into_iter().map(|c| (c.id, c)).collect(),
        })
    }

    /// How modules and paths are assigned to `user`, given the certificates they hold.
    pub fn assigned_to(&self, user: &User, held: &[certificate::Model], now: DateTime<Utc>) -> AssignedTo {
        let mut module_assigned: HashMap<i64, Assigned> = HashMap::new();
        let mut path_assigned: HashMap<i64, Assigned> = HashMap::new();
        let mut assign_path = |id: i64, this: Assigned| {
            let merged = merge(path_assigned.remove(&id), this.clone());
            path_assigned.insert(id, merged);
            for module_id in self.steps.get(&id).into_iter().flatten() {
                let merged = merge(module_assigned.remove(module_id), this.clone());
                module_assigned.insert(*module_id, merged);
            }
        };
        let mut direct = Vec::new();
        for a in self.assignments.iter().filter(|a| applies(a, user)) {
            let this = Assigned { required: a.required, due_date: due_date(a, user), since: None };
            if let Some(id) = a.module_id {
                direct.push((id, this.clone()));
            }
            if let Some(id) = a.path_id {
                assign_path(id, this);
            }
        }
        for (path_id, renewal) in renewals(held, &self.certifications, now) {
            assign_path(path_id, renewal);
        }
        for (id, this) in direct {
            let merged = merge(module_assigned.remove(&id), this);
            module_assigned.insert(id, merged);
        }
        (module_assigned, path_assigned)
    }

    /// What `user` may open, and how it reached them.
    fn visible(&self, user: &User, held: &[certificate::Model], now: DateTime<Utc>) -> Visible {
        let (module_assigned, path_assigned) = self.assigned_to(user, held, now);
        let mut modules = Vec::new();
        for (m, version, audience) in &self.published {
            let assigned = module_assigned.get(&m.id).cloned();
            if assigned.is_some() || open_to(audience, user) {
                modules.push((m.clone(), version.clone(), assigned, self.assessments.contains(&m.id)));
            }
        }
        let visible_ids: HashSet<i64> = modules.iter().map(|(m, ..)| m.id).collect();
        let paths = self
            .paths
            .iter()
            .filter_map(|p| {
                let ids: Vec<i64> = self
                    .steps
                    .get(&p.id)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|id| visible_ids.contains(id))
                    .collect();
                let assigned = path_assigned.get(&p.id).cloned();
                (!ids.is_empty()).then(|| (p.clone(), ids, assigned))
            })
            .collect();
        Visible { modules, paths }
    }
}

/// The quizzes that are a certification's assessment. Which they are decides whether
/// phones get their answer key (and whether their questions come back as boosters): a
/// list that can't be read fails the read rather than count as none.
pub fn assessment_modules(certifications: &[certification::Model]) -> Result<HashSet<i64>, ApiError> {
    let mut assessments = HashSet::new();
    for c in certifications {
        assessments.extend(c.assessments()?);
    }
    Ok(assessments)
}

/// The modules this person may open now.
pub async fn visible_module_ids(db: &impl ConnectionTrait, user: &User) -> Result<HashSet<i64>, ApiError> {
    Ok(visible_to(db, user).await?.modules.into_iter().map(|(m, ..)| m.id).collect())
}

async fn visible_to(db: &impl ConnectionTrait, user: &User) -> Result<Visible, ApiError> {
    let content = Content::load(db).await?;
    let held = certificate::Entity::find().filter(certificate::Column::UserId.eq(user.id)).all(db).await?;
    Ok(content.visible(user, &held, db::now()))
}

/// Every media file of the module versions this person may open now (what they may
/// fetch).
pub async fn visible_media(db: &impl ConnectionTrait, user: &User) -> Result<HashSet<String>, ApiError> {
    let visible = visible_to(db, user).await?;
    let versions: Vec<&module_version::Model> = visible.modules.iter().map(|(_, v, ..)| v).collect();
    let index = media_of(db, &versions).await?;
    let mut media = HashSet::new();
    for version in versions {
        let downloads = index.downloads(&version.media_ids()?);
        media.extend(downloads.data_saver.media.into_iter().chain(downloads.standard.media).map(|m| m.id));
    }
    Ok(media)
}

/// Which of the modules `content` holds (read by [`Content::load_for`]) this person may
/// open now, given the certificates they hold, and which of those are a certification's
/// assessment: what a sync batch is checked against.
pub fn visible_among(content: &Content, user: &User, held: &[certificate::Model]) -> (HashSet<i64>, HashSet<i64>) {
    let visible = content.visible(user, held, db::now());
    let assessments = visible.modules.iter().filter(|(.., assessment)| *assessment).map(|(m, ..)| m.id).collect();
    (visible.modules.into_iter().map(|(m, ..)| m.id).collect(), assessments)
}

/// Required and due first (soonest first), then the rest by title.
fn order_key(m: &CatalogModule) -> (bool, Option<NaiveDate>, String) {
    let required = m.assigned.as_ref().is_some_and(|a| a.required);
    (!required, m.assigned.as_ref().and_then(|a| a.due_date), m.title.to_lowercase())
}

/// The files these versions use, and their videos' renditions: four queries for a
/// whole catalog page, never one per module.
struct MediaIndex {
    files: HashMap<String, media::Model>,
    renditions: HashMap<String, Vec<Rendition>>,
}

async fn media_of(db: &impl ConnectionTrait, versions: &[&module_version::Model]) -> Result<MediaIndex, ApiError> {
    let mut ids = Vec::new();
    for v in versions {
        ids.extend(v.media_ids()?);
    }
    ids.sort_unstable();
    ids.dedup();
    let files: HashMap<String, media::Model> =
        crate::media::find_many(db, &ids).await?.into_iter().map(|m| (m.sha256.clone(), m)).collect();
    let videos: Vec<String> =
        files.values().filter(|m| m.kind == MediaKind::Video.as_str()).map(|m| m.sha256.clone()).collect();
    let renditions = renditions::of(db, &videos).await?;
    Ok(MediaIndex { files, renditions })
}

impl MediaIndex {
    /// The rendition of `video` at `quality`, or else its other one (none: it has none yet,
    /// as an old video before `primer media reprocess`).
    fn rendition(&self, video: &str, quality: Quality) -> Option<&Rendition> {
        let list = self.renditions.get(video)?;
        list.iter().find(|r| r.quality == quality).or(list.first())
    }

    /// What a phone saves at `quality`: each video replaced by its rendition, and the
    /// poster frame taken from the original replaced by the data saver's (one poster for
    /// both qualities: it shows only until the video plays); captions, a poster the author
    /// chose and a tip card's images as they are.
    fn download(&self, ids: &[String], quality: Quality) -> Vec<MediaRef> {
        let replaced: HashSet<&str> = ids
            .iter()
            .filter(|id| self.rendition(id, quality).is_some())
            .filter_map(|id| self.files.get(id).and_then(|m| m.poster_sha256.as_deref()))
            .collect();
        let chose_poster = ids.iter().any(|id| {
            !replaced.contains(id.as_str()) && self.files.get(id).is_some_and(|m| m.kind == MediaKind::Image.as_str())
        });
        let mut list = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = self.rendition(id, quality) {
                list.push(r.into());
                if !chose_poster {
                    list.extend(self.rendition(id, Quality::DataSaver).and_then(|d| d.poster.clone()));
                }
            } else if !replaced.contains(id.as_str())
                && let Some(file) = self.files.get(id)
            {
                list.push(media_ref(file.clone()));
            }
        }
        list
    }

    fn downloads(&self, ids: &[String]) -> Downloads {
        Downloads {
            data_saver: Download::of(self.download(ids, Quality::DataSaver)),
            standard: Download::of(self.download(ids, Quality::Standard)),
        }
    }

    /// A video's content as phones get it: its renditions listed, and the file it names
    /// (what older apps play) the data saver, with the data saver's poster unless the
    /// author chose one.
    fn shown(&self, content: ModuleContent) -> ModuleContent {
        let ModuleContent::Video { video_media_id: Some(video), poster_media_id, captions_media_id, .. } = content
        else {
            return content;
        };
        let Some(list) = self.renditions.get(&video).filter(|l| !l.is_empty()) else {
            return ModuleContent::Video {
                video_media_id: Some(video),
                poster_media_id,
                captions_media_id,
                renditions: Vec::new(),
            };
        };
        let data_saver = &list[0];
        let auto_poster = self.files.get(&video).and_then(|m| m.poster_sha256.clone());
        let poster_media_id = match poster_media_id {
            Some(p) if Some(&p) != auto_poster.as_ref() => Some(p),
            other => data_saver.poster.as_ref().map(|p| p.id.clone()).or(other),
        };
        ModuleContent::Video {
            video_media_id: Some(data_saver.media_id.clone()),
            poster_media_id,
            captions_media_id,
            renditions: list.clone(),
        }
    }
}

/// A module's catalog entry: its published version, what saving it takes, and how it
/// is assigned to this person.
fn entry(
    module_id: i64,
    version: &module_version::Model,
    index: &MediaIndex,
    assigned: Option<Assigned>,
    assessment: bool,
) -> Result<CatalogModule, Undecodable> {
    let downloads = index.downloads(&version.media_ids()?);
    Ok(CatalogModule {
        id: module_id,
        version: version.version,
        kind: version.kind()?,
        title: version.title.clone(),
        summary: version.summary.clone(),
        tags: version.tags()?,
        estimated_seconds: version.estimated_seconds as u32,
        language: version.language.clone(),
        // What a phone saves unless asked otherwise.
        media: downloads.data_saver.media.clone(),
        download_bytes: downloads.data_saver.bytes,
        downloads,
        assigned,
        assessment,
    })
}

/// The catalog of one person.
pub async fn for_learner(db: &impl ConnectionTrait, user: &User) -> Result<Catalog, ApiError> {
    let visible = visible_to(db, user).await?;
    let index = media_of(db, &visible.modules.iter().map(|(_, v, ..)| v).collect::<Vec<_>>()).await?;
    let mut modules = visible
        .modules
        .into_iter()
        .map(|(m, version, assigned, assessment)| entry(m.id, &version, &index, assigned, assessment))
        .collect::<Result<Vec<_>, _>>()?;
    modules.sort_by_key(order_key);
    let paths = visible
        .paths
        .into_iter()
        .map(|(p, module_ids, assigned)| CatalogPath {
            id: p.id,
            title: p.title,
            description: p.description,
            module_ids,
            assigned,
        })
        .collect();
    Ok(Catalog { modules, paths })
}

/// One module as this person gets it: its latest published version, if they may open it.
pub async fn module_for(db: &impl ConnectionTrait, user: &User, id: i64) -> Result<LearnerModule, ApiError> {
    let visible = visible_to(db, user).await?;
    let (m, version, assigned, assessment) =
        visible.modules.into_iter().find(|(m, ..)| m.id == id).ok_or_else(|| ApiError::not_found("Module"))?;
    let index = media_of(db, &[&version]).await?;
    let mut content = index.shown(as_shown(version.content()?));
    if assessment {
        content = without_answer_key(content);
    }
    let e = entry(m.id, &version, &index, assigned, assessment)?;
    Ok(LearnerModule {
        id: e.id,
        version: e.version,
        kind: e.kind,
        title: e.title,
        summary: e.summary,
        tags: e.tags,
        estimated_seconds: e.estimated_seconds,
        language: e.language,
        content,
        media: e.media,
        download_bytes: e.download_bytes,
        downloads: e.downloads,
        assigned: e.assigned,
        assessment: e.assessment,
    })
}

/// Content as the phone shows it: a tip card's rendered HTML, not its Markdown source as
/// well (which doubled what a card costs to download). The field stays, empty, while a
/// phone with an older app may still read it.
fn as_shown(content: ModuleContent) -> ModuleContent {
    match content {
        ModuleContent::Tip { body_html, .. } => ModuleContent::Tip { body_markdown: String::new(), body_html },
        other => other,
    }
}

/// An assessment as learners get it: the questions and options, but not which options
/// are right, nor the explanations that would tell.
fn without_answer_key(content: ModuleContent) -> ModuleContent {
    match content {
        ModuleContent::Quiz { questions, pass_percent, draw } => ModuleContent::Quiz {
            questions: questions
                .into_iter()
                .map(|q| app::api::Question {
                    options: q
                        .options
                        .into_iter()
                        .map(|o| app::api::QuizOption { text: o.text, correct: false, explanation: String::new() })
                        .collect(),
                    ..q
                })
                .collect(),
            pass_percent,
            draw,
        },
        other => other,
    }
}

/// The signed-in person's catalog: every module assigned or open to them (latest
/// published version, with what it takes to download), and the paths that hold them.
/// Roles: any (everyone learns).
#[utoipa::path(
    get, path = "/api/v1/catalog", tag = "learning",
    responses((status = 200, body = Catalog), (status = 401, description = "`unauthenticated`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_catalog(State(state): State<AppState>, who: Gate<reads::Catalog>) -> Result<Json<Catalog>, ApiError> {
    respond(&state, who, reads::Catalog).await
}

impl Serve for reads::Catalog {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<Catalog, ApiError> {
        for_learner(&state.db, who.user()).await
    }
}

/// One module as the signed-in person gets it (404 if they may not open it).
/// Roles: any.
#[utoipa::path(
    get, path = "/api/v1/catalog/{id}", tag = "learning",
    params(("id" = i64, Path, description = "Module id")),
    responses((status = 200, body = LearnerModule), (status = 404, description = "`not_found`", body = ErrorBody)),
    security(("primer_session" = []))
)]
pub async fn get_catalog_module(
    State(state): State<AppState>,
    who: Gate<reads::CatalogModule>,
    Path(id): Path<i64>,
) -> Result<Json<LearnerModule>, ApiError> {
    respond(&state, who, reads::CatalogModule { id }).await
}

impl Serve for reads::CatalogModule {
    type Access = Auth<AnyRole>;
    async fn serve(self, state: &AppState, who: Auth<AnyRole>) -> Result<LearnerModule, ApiError> {
        module_for(&state.db, who.user(), self.id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(job: Option<&str>, team: Option<i64>, start: Option<&str>) -> User {
        let mut u = app::api::sample_user();
        u.job_role = job.map(Into::into);
        u.team_id = team;
        u.start_date = start.map(|s| s.parse().unwrap());
        u
    }

    fn assignment(job: Option<&str>, team: Option<i64>, required: bool, due_days: Option<i32>) -> assignment::Model {
        assignment::Model {
            id: 1,
            module_id: Some(1),
            path_id: None,
            job_role: job.map(Into::into),
            team_id: team,
            required,
            due_days,
            due_date: None,
            grace: false,
            source_key: None,
            created_by: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn assignments_match_job_role_and_team() {
        let ae_north = user(Some("Account Executive"), Some(7), None);
        assert!(applies(&assignment(Some("account executive"), None, true, None), &ae_north));
        assert!(applies(&assignment(None, Some(7), true, None), &ae_north));
        assert!(applies(&assignment(Some("Account Executive"), Some(7), true, None), &ae_north));
        assert!(!applies(&assignment(Some("Account Executive"), Some(8), true, None), &ae_north));
        assert!(!applies(&assignment(Some("Sales Engineer"), None, true, None), &ae_north));
        assert!(!applies(&assignment(None, None, true, None), &ae_north), "an assignment to nobody");
    }

    #[test]
    fn due_dates_count_from_the_start_date() {
        let u = user(Some("AE"), None, Some("2026-03-01"));
        assert_eq!(due_date(&assignment(Some("AE"), None, true, Some(30)), &u), "2026-03-31".parse().ok());
        let mut dated = assignment(Some("AE"), None, true, None);
        dated.due_date = "2026-05-01".parse().ok();
        assert_eq!(due_date(&dated, &u), "2026-05-01".parse().ok());
        // A grace period counts from the assignment when it came after the start...
        let mut late = assignment(Some("AE"), None, true, Some(30));
        late.created_at = "2026-06-10T15:00:00Z".parse().unwrap();
        late.grace = true;
        assert_eq!(due_date(&late, &u), "2026-07-10".parse().ok());
        // ...and from the start when that came later.
        let newcomer = user(Some("AE"), None, Some("2026-08-01"));
        assert_eq!(due_date(&late, &newcomer), "2026-08-31".parse().ok());
        // A date of its own stays the date.
        dated.grace = true;
        assert_eq!(due_date(&dated, &u), "2026-05-01".parse().ok());
    }

    #[test]
    fn required_wins_when_merging() {
        let d = |s: &str| s.parse().ok();
        let suggested = Assigned { required: false, due_date: d("2026-01-10"), since: None };
        let required = Assigned { required: true, due_date: d("2026-02-01"), since: None };
        assert_eq!(merge(Some(suggested.clone()), required.clone()), required);
        assert_eq!(merge(Some(required.clone()), suggested.clone()), required);
        let sooner = Assigned { required: true, due_date: d("2026-01-15"), since: None };
        assert_eq!(merge(Some(required), sooner.clone()), sooner);
        let renewal =
            Assigned { required: true, due_date: d("2026-03-01"), since: "2025-03-01T00:00:00Z".parse().ok() };
        let merged = merge(Some(suggested), renewal.clone());
        assert_eq!(merged, renewal, "a renewal counts only what is done again");
        assert_eq!(merge(Some(renewal.clone()), sooner.clone()), renewal, "by the renewal's due date");
    }

    #[test]
    fn audiences() {
        let u = user(Some("AE"), Some(3), None);
        assert!(open_to(&Audience::default(), &u));
        assert!(open_to(&Audience { job_roles: vec!["ae".into()], team_ids: vec![] }, &u));
        assert!(open_to(&Audience { job_roles: vec![], team_ids: vec![3] }, &u));
        assert!(!open_to(&Audience { job_roles: vec!["SE".into()], team_ids: vec![4] }, &u));
    }
}
