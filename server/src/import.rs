//! `primer import DIR`: a folder of modules, one Markdown file each with TOML (`+++`) or
//! YAML (`---`) front matter, plus the media files they name, and an optional
//! `primer.toml` for learning paths and assignments.
//!
//! Imports are idempotent: modules, paths and assignments are found again by their key
//! (the `key` field, or the file's name), media by its hash. Running an import twice
//! changes nothing; a changed file becomes a new published version. Every file is read
//! and checked before anything is written, and the database changes are one transaction.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
};

use anyhow::{Context, anyhow, bail};
use app::api::{AssignmentInput, Audience, CertificationInput, ModuleInput, ModuleKind, PathInput, Question};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;

use crate::{
    accounts::teams,
    certifications,
    db::{
        self,
        entities::{assignment, certification, module, path},
    },
    error::ApiError,
    media::{self, FileChunks},
    modules::{Saving, assignments, authoring, paths},
    state::AppState,
};

/// A module file's front matter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    /// Finds the module again on the next import; defaults to the file name.
    key: Option<String>,
    kind: ModuleKind,
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    estimated_seconds: u32,
    language: Option<String>,
    /// Video modules: files relative to the folder.
    video: Option<String>,
    poster: Option<String>,
    captions: Option<String>,
    /// Quizzes.
    #[serde(default)]
    questions: Vec<Question>,
    pass_percent: Option<u8>,
    /// Practice modules: what to say, the longest take, the rubric and who reviews.
    prompt: Option<String>,
    max_seconds: Option<u32>,
    rubric: Option<app::api::Rubric>,
    reviewers: Option<app::api::Reviewers>,
    peer_reviews: Option<u8>,
    #[serde(default)]
    audience: AudienceSpec,
    /// Publish it (the default) or keep it a draft.
    #[serde(default = "yes")]
    publish: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AudienceSpec {
    #[serde(default)]
    job_roles: Vec<String>,
    /// Team names.
    #[serde(default)]
    teams: Vec<String>,
}

/// `primer.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    paths: Vec<PathSpec>,
    #[serde(default)]
    assignments: Vec<AssignmentSpec>,
    #[serde(default)]
    certifications: Vec<CertificationSpec>,
}

/// A path of this folder turned into a certification.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificationSpec {
    /// A path key.
    path: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    /// Module keys of the path's quizzes that make the final assessment.
    assessment: Vec<String>,
    /// Module keys that are required (default: the path's other steps).
    required: Option<Vec<String>>,
    passing_score: Option<u8>,
    validity_months: Option<u32>,
    #[serde(default)]
    max_attempts: Option<u32>,
    #[serde(default)]
    cooldown_minutes: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathSpec {
    key: String,
    title: String,
    #[serde(default)]
    description: String,
    /// Module keys, in order.
    modules: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignmentSpec {
    key: Option<String>,
    /// A module key...
    module: Option<String>,
    /// ...or a path key.
    path: Option<String>,
    job_role: Option<String>,
    /// A team name (created if missing).
    team: Option<String>,
    #[serde(default)]
    required: bool,
    due_days: Option<u32>,
    /// Due `due_days` after the later of each start and the assignment (a grace period).
    #[serde(default)]
    grace: bool,
    due_date: Option<NaiveDate>,
}

/// One module file, read and parsed.
struct ModuleFile {
    file: PathBuf,
    key: String,
    front: FrontMatter,
    body: String,
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub modules_created: usize,
    /// Modules that got a new published version.
    pub modules_updated: usize,
    pub modules_unchanged: usize,
    pub media_stored: usize,
    pub paths: usize,
    pub assignments: usize,
    pub certifications: usize,
}

/// Splits a file into front matter (TOML between `+++` lines, or YAML between `---`
/// lines) and body.
fn split_front_matter(text: &str) -> Option<(&'static str, &str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (fence, format) in [("+++", "toml"), ("---", "yaml")] {
        if let Some(rest) =
            text.strip_prefix(fence).and_then(|r| r.strip_prefix('\n').or_else(|| r.strip_prefix("\r\n")))
        {
            let end = rest.find(&format!("\n{fence}"))?;
            let front = &rest[..end];
            let body = rest[end + 1 + fence.len()..].trim_start_matches(['\r', '\n']);
            return Some((format, front, body));
        }
    }
    None
}

fn read_module(file: &Path) -> anyhow::Result<ModuleFile> {
    let text = std::fs::read_to_string(file).context("reading")?;
    let (format, front, body) = split_front_matter(&text)
        .ok_or_else(|| anyhow!("no front matter: start the file with +++ (TOML) or --- (YAML)"))?;
    let front: FrontMatter = match format {
        "toml" => toml::from_str(front).map_err(|e| anyhow!("front matter: {e}"))?,
        _ => serde_yaml_ng::from_str(front).map_err(|e| anyhow!("front matter: {e}"))?,
    };
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("module").to_string();
    let key = front.key.clone().unwrap_or(stem);
    Ok(ModuleFile { file: file.to_owned(), key, front, body: body.to_string() })
}

/// The file `name` names in `dir`, if it is one and is inside it: a module may name
/// files of its folder only, never `../` out of it, an absolute path, or a link that
/// leads elsewhere (an import is run by an operator, on files an author wrote).
fn inside(dir: &Path, name: &str) -> Option<PathBuf> {
    let relative = Path::new(name);
    if relative.is_absolute()
        || relative.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir))
    {
        return None;
    }
    let folder = dir.canonicalize().ok()?;
    let full = folder.join(relative).canonicalize().ok()?;
    (full.starts_with(&folder) && full.is_file()).then_some(full)
}

/// Relative image paths in a card's Markdown (`![alt](media/chart.png)`).
fn local_images(body: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Parser, Tag};
    Parser::new(body)
        .filter_map(|e| match e {
            Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .filter(|url| !url.contains("://") && !url.starts_with('/') && !url.starts_with("data:"))
        .collect()
}

/// Imports a folder. `by` is recorded as author (None from the command line).
pub async fn import_dir(state: &AppState, dir: &Path, by: Option<i64>) -> anyhow::Result<ImportReport> {
    // 1. Read and check every file before writing anything.
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    let mut problems = Vec::new();
    let mut modules = Vec::new();
    for file in &files {
        match read_module(file) {
            Ok(m) => modules.push(m),
            Err(e) => problems.push(format!("{}: {e:#}", file.display())),
        }
    }
    let manifest_path = dir.join("primer.toml");
    let manifest: Manifest = if manifest_path.exists() {
        let text = std::fs::read_to_string(&manifest_path).context("reading primer.toml")?;
        toml::from_str(&text).map_err(|e| anyhow!("primer.toml: {e}"))?
    } else {
        Manifest::default()
    };
    let mut keys = HashMap::new();
    for m in &modules {
        if let Some(other) = keys.insert(m.key.clone(), m.file.clone()) {
            problems.push(format!("{} and {} have the same key {:?}", other.display(), m.file.display(), m.key));
        }
    }
    for p in &manifest.paths {
        for k in &p.modules {
            if !keys.contains_key(k) {
                problems.push(format!("primer.toml: path {:?} names a module {k:?} that isn't in the folder", p.key));
            }
        }
    }
    for a in &manifest.assignments {
        let target_ok = match (&a.module, &a.path) {
            (Some(m), None) => keys.contains_key(m),
            (None, Some(p)) => manifest.paths.iter().any(|x| &x.key == p),
            _ => false,
        };
        if !target_ok {
            problems.push(format!("primer.toml: an assignment must name one module or path of this folder ({a:?})"));
        }
    }
    for c in &manifest.certifications {
        let path = manifest.paths.iter().find(|p| p.key == c.path);
        let in_path = |k: &String| path.is_some_and(|p| p.modules.contains(k));
        if path.is_none() || !c.assessment.iter().chain(c.required.iter().flatten()).all(in_path) {
            problems.push(format!(
                "primer.toml: a certification must name a path of this folder and modules of that path ({c:?})"
            ));
        }
    }
    // Every media file must be there.
    let mut wanted: BTreeMap<String, PathBuf> = BTreeMap::new();
    for m in &modules {
        let mut names: Vec<String> =
            [&m.front.video, &m.front.poster, &m.front.captions].into_iter().flatten().cloned().collect();
        if m.front.kind == ModuleKind::Tip {
            names.extend(local_images(&m.body));
        }
        for name in names {
            match inside(dir, &name) {
                Some(full) => {
                    wanted.insert(name, full);
                }
                None => problems.push(format!("{}: {name} is not a file in the folder", m.file.display())),
            }
        }
    }
    if !problems.is_empty() {
        bail!("nothing was imported; fix these and run again:\n  {}", problems.join("\n  "));
    }

    // 2. Media: stored by hash, so files seen before are not stored twice.
    let mut report = ImportReport::default();
    let mut media_ids: HashMap<String, String> = HashMap::new();
    for (name, file) in &wanted {
        let handle = tokio::fs::File::open(file).await.with_context(|| format!("opening {name}"))?;
        let received = media::receive(&state.media, FileChunks(handle)).await.map_err(|e| anyhow!("{name}: {e}"))?;
        let original = Path::new(name).file_name().map(|n| n.to_string_lossy().into_owned());
        let (stored, how) =
            media::accept(&state.db, &state.media, received, original, by).await.map_err(|e| anyhow!("{name}: {e}"))?;
        if how == media::Stored::Created {
            report.media_stored += 1;
        }
        media_ids.insert(name.clone(), stored.sha256);
    }

    // Videos are made ready for phones here (a module can't be published before), by
    // this command or by a server that took the job first.
    let videos: Vec<String> = {
        let ids: Vec<String> = media_ids.values().cloned().collect();
        media::find_many(&state.db, &ids)
            .await?
            .into_iter()
            .filter(|m| m.kind == media::MediaKind::Video.as_str())
            .map(|m| m.sha256)
            .collect()
    };
    media::renditions::wait_ready(&state.db, &state.media, &videos).await?;

    // 3. Modules, paths and assignments, all or nothing.
    let txn = db::begin_write(&state.db).await?;
    let mut module_ids: HashMap<String, i64> = HashMap::new();
    for m in &modules {
        let at = |e: ApiError| anyhow!("{}: {e}", m.file.display());
        let team_ids = team_ids(&txn, &m.front.audience.teams).await.map_err(at)?;
        let mut body = m.body.clone();
        for image in local_images(&m.body) {
            let url = app::api::media_url(&media_ids[&image]);
            body = body
                .replace(&format!("]({image})"), &format!("]({url})"))
                .replace(&format!("]({image} "), &format!("]({url} "));
        }
        let id_of = |name: &Option<String>| name.as_ref().map(|n| media_ids[n].clone());
        let input = ModuleInput {
            kind: Some(m.front.kind),
            title: m.front.title.clone(),
            summary: m.front.summary.clone(),
            tags: m.front.tags.clone(),
            estimated_seconds: m.front.estimated_seconds,
            language: m.front.language.clone(),
            video_media_id: Some(id_of(&m.front.video)),
            poster_media_id: Some(id_of(&m.front.poster)),
            captions_media_id: Some(id_of(&m.front.captions)),
            body_markdown: Some(body),
            questions: Some(m.front.questions.clone()),
            pass_percent: m.front.pass_percent,
            prompt: m.front.prompt.clone(),
            max_seconds: m.front.max_seconds,
            rubric: m.front.rubric.clone(),
            reviewers: m.front.reviewers,
            peer_reviews: m.front.peer_reviews,
            audience: Audience { job_roles: m.front.audience.job_roles.clone(), team_ids },
            content: None,
        };
        let draft = authoring::parse_draft(&txn, input, Saving::Whole).await.map_err(at)?;
        let source_key = format!("import:{}", m.key);
        let existing = module::Entity::find().filter(module::Column::SourceKey.eq(&source_key)).one(&txn).await?;
        let (saved, created) = match existing {
            Some(found) => (authoring::update(&txn, found.id, draft, by).await.map_err(at)?, false),
            None => (authoring::create(&txn, draft, by, Some(source_key)).await.map_err(at)?, true),
        };
        let will_publish = m.front.publish && (saved.has_unpublished_changes || saved.published_version.is_none());
        if will_publish {
            authoring::publish_in(&txn, &state.media, saved.id, by).await.map_err(at)?;
        }
        match (created, will_publish) {
            (true, _) => report.modules_created += 1,
            (false, true) => report.modules_updated += 1,
            (false, false) => report.modules_unchanged += 1,
        }
        module_ids.insert(m.key.clone(), saved.id);
    }
    let mut path_ids: HashMap<String, i64> = HashMap::new();
    for p in &manifest.paths {
        let at = |e: ApiError| anyhow!("primer.toml, path {:?}: {e}", p.key);
        let input = PathInput {
            title: p.title.clone(),
            description: p.description.clone(),
            module_ids: Some(p.modules.iter().map(|k| module_ids[k]).collect()),
            steps: None,
        };
        let draft = paths::parse(&txn, input, Saving::Whole).await.map_err(at)?;
        let source_key = format!("import:{}", p.key);
        let existing = path::Entity::find().filter(path::Column::SourceKey.eq(&source_key)).one(&txn).await?;
        let saved = match existing {
            Some(found) => paths::update(&txn, found.id, draft).await.map_err(at)?,
            None => paths::create(&txn, draft, by, Some(source_key)).await.map_err(at)?,
        };
        path_ids.insert(p.key.clone(), saved.id);
        report.paths += 1;
    }
    for a in &manifest.assignments {
        let at = |e: ApiError| anyhow!("primer.toml, assignment {a:?}: {e}");
        let team_id = team_ids(&txn, a.team.as_slice()).await.map_err(at)?.first().copied();
        let input = AssignmentInput {
            module_id: a.module.as_ref().map(|k| module_ids[k]),
            path_id: a.path.as_ref().map(|k| path_ids[k]),
            job_role: a.job_role.clone(),
            team_id,
            required: a.required,
            due_days: a.due_days,
            due_date: a.due_date,
            grace: a.grace,
        };
        let input = assignments::parse(&txn, input).await.map_err(at)?;
        let key = a.key.clone().unwrap_or_else(|| {
            format!(
                "{}|{}|{}",
                a.module
                    .as_deref()
                    .map(|m| format!("module:{m}"))
                    .or(a.path.as_deref().map(|p| format!("path:{p}")))
                    .unwrap_or_default(),
                a.job_role.as_deref().unwrap_or(""),
                a.team.as_deref().unwrap_or("")
            )
        });
        let source_key = format!("import:{key}");
        let existing =
            assignment::Entity::find().filter(assignment::Column::SourceKey.eq(&source_key)).one(&txn).await?;
        assignments::save(&txn, existing, input, by, Some(source_key)).await.map_err(at)?;
        report.assignments += 1;
    }
    let mut changed_certifications = Vec::new();
    for c in &manifest.certifications {
        let at = |e: ApiError| anyhow!("primer.toml, certification of {:?}: {e}", c.path);
        let path_id = path_ids[&c.path];
        let existing =
            certification::Entity::find().filter(certification::Column::PathId.eq(path_id)).one(&txn).await?;
        let input = CertificationInput {
            path_id: Some(path_id),
            title: c.title.clone(),
            description: c.description.clone(),
            required_module_ids: c.required.as_ref().map(|keys| keys.iter().map(|k| module_ids[k]).collect()),
            assessment_module_ids: c.assessment.iter().map(|k| module_ids[k]).collect(),
            passing_score: c.passing_score,
            validity_months: c.validity_months,
            max_attempts: c.max_attempts,
            cooldown_minutes: c.cooldown_minutes,
        };
        let draft = certifications::parse(&txn, input, existing.as_ref().map(|e| e.id)).await.map_err(at)?;
        let (saved, changed) = certifications::save(&txn, existing, draft, by).await.map_err(at)?;
        if changed {
            changed_certifications.push(saved);
        }
        report.certifications += 1;
    }
    txn.commit().await?;
    // Learners who already meet a new or changed certification get their certificate.
    for c in &changed_certifications {
        certifications::award_existing(&state.db, c).await?;
    }
    Ok(report)
}

async fn team_ids(db: &impl sea_orm::ConnectionTrait, names: &[String]) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    for name in names {
        ids.push(teams::find_or_create(db, name).await?.id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_in_toml_or_yaml() {
        let (format, front, body) = split_front_matter("+++\ntitle = \"A\"\n+++\n\nBody here\n").unwrap();
        assert_eq!((format, front, body), ("toml", "title = \"A\"", "Body here\n"));
        let (format, front, body) = split_front_matter("---\ntitle: A\n---\nBody").unwrap();
        assert_eq!((format, front, body), ("yaml", "title: A", "Body"));
        assert!(split_front_matter("no front matter").is_none());
        assert!(split_front_matter("+++\nnever closed\n").is_none());
    }

    #[test]
    fn finds_local_images_only() {
        let body = "![a](media/a.png) ![b](/media/abc) ![c](https://x/c.png) ![d](img/d.jpg \"title\")";
        assert_eq!(local_images(body), ["media/a.png", "img/d.jpg"]);
    }
}
