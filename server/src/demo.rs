//! `primer demo`: demo people and teams, and a small catalog for a made-up product
//! (Aurora, air-quality sensors and purifiers for offices, shops and clinics), so a
//! newcomer signs in to something real. Safe to run any number of times: what exists is
//! left as it is.
//!
//! The catalog's text lives in `server/demo/` (Markdown files and `primer.toml`, loaded
//! with `primer import`); its videos, captions and chart are made on the fly with ffmpeg.

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
    let hash = password::Hasher::new(1).hash(DEMO_PASSWORD.to_string()).await?;
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

/// The demo catalog's files, built into the binary.
const CONTENT: &[(&str, &str)] = &[
    ("aurora-in-90-seconds.md", include_str!("../demo/aurora-in-90-seconds.md")),
    ("aurora-site-survey.md", include_str!("../demo/aurora-site-survey.md")),
    ("brightside-dental-story.md", include_str!("../demo/brightside-dental-story.md")),
    ("discovery-questions.md", include_str!("../demo/discovery-questions.md")),
    ("too-expensive.md", include_str!("../demo/too-expensive.md")),
    ("already-have-a-system.md", include_str!("../demo/already-have-a-system.md")),
    ("retail-store-managers.md", include_str!("../demo/retail-store-managers.md")),
    ("next-steps.md", include_str!("../demo/next-steps.md")),
    ("check-aurora-basics.md", include_str!("../demo/check-aurora-basics.md")),
    ("check-objections.md", include_str!("../demo/check-objections.md")),
    ("pitch-aurora.md", include_str!("../demo/pitch-aurora.md")),
    ("primer.toml", include_str!("../demo/primer.toml")),
];

/// The demo's videos: file, title, subtitle, seconds, gradient colours.
const VIDEOS: &[(&str, &str, &str, u32, &str, &str)] = &[
    ("aurora-in-90-seconds.mp4", "Aurora in 90 seconds", "Air you can see", 12, "0x1f5eff", "0x0b1a4a"),
    ("aurora-site-survey.mp4", "The five-minute site survey", "Product demo", 15, "0x0f766e", "0x022c22"),
    ("brightside-dental-story.mp4", "Brightside Dental", "Customer story", 10, "0x9333ea", "0x2e1065"),
];

const CAPTIONS: &str = "WEBVTT\n\n00:00.500 --> 00:04.000\nAurora shows the air in every room.\n\n\
00:04.000 --> 00:08.000\nSensors measure CO2, particles and humidity.\n\n\
00:08.000 --> 00:12.000\nYour building system ventilates where it's needed.\n";

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

/// Text for an ffmpeg drawtext filter, if the font is installed (plain pictures otherwise).
fn title_filters(lines: &[(&str, u32, i32)]) -> String {
    if !std::path::Path::new(FONT).exists() {
        return "null".into();
    }
    lines
        .iter()
        .map(|(text, size, dy)| {
            format!("drawtext=fontfile={FONT}:text=\'{text}\':fontcolor=white:fontsize={size}:x=(w-text_w)/2:y=(h-text_h)/2{dy:+}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

async fn ffmpeg(args: &[String]) -> anyhow::Result<()> {
    let output = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .await
        .map_err(|e| anyhow::anyhow!("could not run ffmpeg (is it installed?): {e}"))?;
    if !output.status.success() {
        anyhow::bail!("ffmpeg failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}

/// Makes the demo's media in `dir/media`. The encodings are deterministic (one thread,
/// bit-exact muxing), so the same demo gives the same bytes.
async fn make_media(dir: &std::path::Path) -> anyhow::Result<()> {
    let media = dir.join("media");
    tokio::fs::create_dir_all(&media).await?;
    for (file, title, subtitle, seconds, c0, c1) in VIDEOS {
        let source = format!("gradients=size=640x360:c0={c0}:c1={c1}:duration={seconds}:speed=0.02:seed=7:rate=25");
        let filters = title_filters(&[(title, 38, -24), (subtitle, 22, 30)]);
        let out = media.join(file);
        ffmpeg(&[
            "-f".into(),
            "lavfi".into(),
            "-i".into(),
            source,
            "-f".into(),
            "lavfi".into(),
            "-i".into(),
            "anullsrc=r=44100:cl=mono".into(),
            "-vf".into(),
            filters,
            "-t".into(),
            seconds.to_string(),
            "-c:v".into(),
            "libx264".into(),
            "-preset".into(),
            "veryfast".into(),
            "-crf".into(),
            "30".into(),
            "-pix_fmt".into(),
            "yuv420p".into(),
            "-threads".into(),
            "1".into(),
            "-c:a".into(),
            "aac".into(),
            "-b:a".into(),
            "32k".into(),
            "-shortest".into(),
            "-movflags".into(),
            "+faststart".into(),
            "-map_metadata".into(),
            "-1".into(),
            "-fflags".into(),
            "+bitexact".into(),
            "-flags:v".into(),
            "+bitexact".into(),
            "-flags:a".into(),
            "+bitexact".into(),
            out.to_string_lossy().into_owned(),
        ])
        .await?;
    }
    tokio::fs::write(media.join("aurora-in-90-seconds.vtt"), CAPTIONS).await?;
    // A bar chart: CO2 rising through a shop's afternoon.
    let mut chart = String::from("color=c=white:s=640x360,drawbox=x=60:y=300:w=540:h=2:color=0x5b6775:t=fill");
    for (i, height) in [60, 80, 110, 150, 190, 230].iter().enumerate() {
        let x = 80 + i * 88;
        chart.push_str(&format!(",drawbox=x={x}:y={}:w=60:h={height}:color=0x1f5eff:t=fill", 300 - height));
    }
    if std::path::Path::new(FONT).exists() {
        chart.push_str(&format!(
            ",drawtext=fontfile={FONT}:text=\'CO2 by hour, 10 am to 4 pm\':fontcolor=0x17212b:fontsize=24:x=60:y=24"
        ));
    }
    ffmpeg(&[
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        chart,
        "-frames:v".into(),
        "1".into(),
        "-f".into(),
        "image2".into(),
        "-c:v".into(),
        "png".into(),
        media.join("footfall-chart.png").to_string_lossy().into_owned(),
    ])
    .await
}

/// Loads the demo catalog once: if it is there already, nothing happens.
pub async fn load_content(state: &crate::state::AppState) -> anyhow::Result<Option<crate::import::ImportReport>> {
    use crate::db::entities::module;
    let loaded = module::Entity::find()
        .filter(module::Column::SourceKey.eq("import:aurora-in-90-seconds"))
        .one(&state.db)
        .await?;
    if loaded.is_some() {
        return Ok(None);
    }
    let dir = tempfile::tempdir()?;
    for (name, text) in CONTENT {
        tokio::fs::write(dir.path().join(name), text).await?;
    }
    make_media(dir.path()).await?;
    Ok(Some(crate::import::import_dir(state, dir.path(), None).await?))
}
