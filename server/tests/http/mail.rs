//! Email through a real SMTP server (aiosmtpd, started by scripts/with-smtp.sh): password
//! links and invitations, "Forgot your password?" without revealing accounts, the three
//! ways of reaching a mail server, retries and refusals, DKIM checked by dkimpy, and the
//! admins' log.

use app::api::{
    NewUser, PasswordResetLink, Role, User,
    messages::{MessageKind, MessageState, SentMessage},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;
use server::{
    db::entities::{job, message},
    jobs::{Kind, Runner, RunnerConfig, runner::Work},
};

use crate::{
    db_tests,
    support::{
        Db, TestApp,
        mail::{self, Mode},
    },
};

/// Sends every due message here, as a server's runner would.
async fn send_messages(app: &TestApp) -> usize {
    let config = RunnerConfig { workers: 1, kinds: vec![Kind::Message], ..RunnerConfig::default() };
    Runner::new(Work::of(&app.state), config, Default::default()).drain().await.unwrap()
}

async fn person(app: &TestApp, admin: &crate::support::Session, email: &str, name: &str, tz: &str) -> User {
    app.post("/api/v1/users")
        .session(admin)
        .json(
            &serde_json::to_value(NewUser {
                email: email.into(),
                name: name.into(),
                role: Role::Learner,
                time_zone: Some(tz.into()),
                ..Default::default()
            })
            .unwrap(),
        )
        .send()
        .await
        .assert_status(201)
        .json()
}

async fn log(app: &TestApp, admin: &crate::support::Session) -> Vec<SentMessage> {
    app.get("/api/v1/admin/messages").session(admin).send().await.assert_status(200).json()
}

async fn an_invitation_is_emailed_and_its_link_works(app: TestApp) {
    let app = mail::app(app.kind, mail::config(Mode::StartTls)).await;
    let admin = app.signed_in(Role::Admin).await;
    let address = mail::address("dana");
    let hostile = "Dana <img src=x onerror=alert(1)> \"Lee\"";
    let dana = person(&app, &admin, &address, hostile, "America/New_York").await;

    let asked = app.post(&format!("/api/v1/users/{}/password-reset", dana.id)).session(&admin).send().await;
    asked.assert_status(202);
    let asked: PasswordResetLink = asked.json();
    assert_eq!(asked.url, None, "an emailed link is never shown to the admin");
    assert_eq!(asked.emailed_to.as_deref(), Some(address.as_str()));
    assert_eq!(asked.valid_hours, 72);
    let queued = log(&app, &admin).await;
    assert_eq!((queued.len(), queued[0].state, queued[0].kind), (1, MessageState::Queued, MessageKind::Invitation));
    assert!(mail::inbox(&address).is_empty(), "nothing goes before the job runs");

    assert_eq!(send_messages(&app).await, 1);
    let got = mail::wait_for(&address, 1).await;
    let letter = &got[0];
    assert!(letter.tls, "STARTTLS was used");
    assert_eq!(letter.auth, "primer", "and the credentials from the URL");
    assert_eq!(letter.subject, "You're invited to Primer");
    assert!(letter.header("From").unwrap().contains("primer@primer.test"));
    assert!(letter.header("To").unwrap().contains(&address));
    assert!(letter.header("Message-ID").unwrap().ends_with("@primer.test>"));
    assert!(letter.header("List-Unsubscribe").is_none(), "no unsubscribe on sign-in links");
    assert!(letter.text.contains("(America/New_York)"), "the expiry in the person's time zone: {}", letter.text);
    assert!(!letter.html.contains("<img"), "the name is escaped in the HTML: {}", letter.html);
    assert!(letter.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let link = letter.link();
    assert!(letter.html.contains(&app::escape_html(&link)), "the same link in both bodies");

    let sent = log(&app, &admin).await;
    assert_eq!((sent[0].state, sent[0].attempts), (MessageState::Sent, 1));
    assert_eq!(sent[0].subject.as_deref(), Some("You're invited to Primer"));
    assert!(sent[0].sent_at.is_some() && sent[0].last_error.is_none());
    assert_eq!(sent[0].to_name, hostile);

    // The link sets the first password, once.
    let token = link.rsplit('/').next().unwrap();
    let set = json!({"token": token, "password": "a good long password"});
    app.post("/api/v1/auth/password-reset").json(&set).send().await.assert_status(204);
    app.post("/api/v1/auth/password-reset").json(&set).send().await.assert_error(400, "invalid_reset_link");

    // Asked again, it is a password link now, and the log has both.
    app.post(&format!("/api/v1/users/{}/password-reset", dana.id)).session(&admin).send().await.assert_status(202);
    send_messages(&app).await;
    let got = mail::wait_for(&address, 2).await;
    assert_eq!(got[1].subject, "Set a new Primer password");
    assert_ne!(got[1].link(), link);
    let both = log(&app, &admin).await;
    assert_eq!(both.iter().map(|m| m.kind).collect::<Vec<_>>(), [MessageKind::PasswordReset, MessageKind::Invitation]);

    // Only admins read the log; a filter by state works.
    let learner = app.signed_in(Role::Learner).await;
    app.get("/api/v1/admin/messages").session(&learner).send().await.assert_error(403, "forbidden");
    let manager = app.signed_in(Role::Manager).await;
    app.get("/api/v1/admin/messages").session(&manager).send().await.assert_error(403, "forbidden");
    let failed: Vec<SentMessage> =
        app.get("/api/v1/admin/messages?state=failed").session(&admin).send().await.assert_status(200).json();
    assert!(failed.is_empty());
    app.get("/api/v1/admin/messages?state=nonsense").session(&admin).send().await.assert_status(400);
    app.finish().await;
}

async fn forgot_password_answers_the_same_and_sends_only_to_accounts(app: TestApp) {
    let app = mail::app(app.kind, mail::config(Mode::Plain)).await;
    let address = mail::address("erin");
    let erin = app.create_user(&address, Role::Learner, Some("erin's long password")).await;
    let gone_address = mail::address("gone");
    let gone = app.create_user(&gone_address, Role::Learner, Some("a long password")).await;
    let admin = app.signed_in(Role::Admin).await;
    app.patch(&format!("/api/v1/users/{}", gone.id))
        .session(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .assert_status(200);
    let nobody = mail::address("nobody");

    let ask = |email: String, ip: &'static str| {
        let app = &app;
        async move { app.post("/api/v1/auth/forgot-password").peer(ip).json(&json!({"email": email})).send().await }
    };
    let known = ask(address.to_uppercase(), "10.0.0.1").await;
    known.assert_status(202);
    let unknown = ask(nobody.clone(), "10.0.0.1").await;
    unknown.assert_status(202);
    let inactive = ask(gone_address.clone(), "10.0.0.1").await;
    assert_eq!(known.value(), unknown.value(), "the same answer whether or not an account has the address");
    assert_eq!(known.value(), inactive.value());
    ask("not an address".into(), "10.0.0.1").await.assert_error(422, "invalid_input");

    send_messages(&app).await;
    let got = mail::wait_for(&address, 1).await;
    assert_eq!(got[0].subject, "Set a new Primer password");
    assert!(got[0].text.contains("If you didn't ask for it"));
    assert!(mail::inbox(&nobody).is_empty() && mail::inbox(&gone_address).is_empty());
    let sent = log(&app, &admin).await;
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].user_id, sent[0].state), (erin.id, MessageState::Sent));

    // Per account: three links an hour, however many addresses ask; then the same answer
    // and nothing sent.
    for ip in ["10.0.1.1", "10.0.1.2", "10.0.1.3"] {
        ask(address.clone(), ip).await.assert_status(202);
    }
    send_messages(&app).await;
    assert_eq!(mail::wait_for(&address, 3).await.len(), 3, "the fourth request in the hour sent nothing");

    // Per client address: ten requests an hour, whatever they ask for (so the limit says
    // nothing about accounts).
    for i in 0..10 {
        ask(mail::address(&format!("stranger{i}")), "10.0.2.1").await.assert_status(202);
    }
    let refused = ask(address.clone(), "10.0.2.1").await;
    refused.assert_error(429, "too_many_attempts");
    assert!(refused.header("retry-after").unwrap().parse::<u64>().unwrap() > 3000);
    ask(address.clone(), "10.0.2.2").await.assert_status(202);

    // The sign-in page's plain form: back to the page, saying the same.
    let form = app.post("/forgot-password").peer("10.0.3.1").form(&[("email", &nobody)]).send().await;
    form.assert_status(303);
    assert!(form.header("location").unwrap().starts_with("/login?link_sent=1&email="));
    let bad = app.post("/forgot-password").peer("10.0.3.1").form(&[("email", "nope")]).send().await;
    assert!(bad.header("location").unwrap().starts_with("/login?error=invalid_input"));

    // The request rows go with housekeeping once the hour has passed.
    use server::db::entities::link_request;
    link_request::Entity::update_many()
        .col_expr(link_request::Column::RequestedAt, Expr::value(server::db::now() - chrono::TimeDelta::hours(2)))
        .exec(app.db())
        .await
        .unwrap();
    assert!(server::auth::forgot::purge_stale(app.db()).await.unwrap() >= 15);
    ask(address.clone(), "10.0.2.1").await.assert_status(202);
    app.finish().await;
}

async fn without_mail_links_are_handed_over(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let dana = app.create_user("dana@primer.test", Role::Learner, None).await;
    let made = app.post(&format!("/api/v1/users/{}/password-reset", dana.id)).session(&admin).send().await;
    made.assert_status(201);
    let made: PasswordResetLink = made.json();
    assert!(made.url.unwrap().starts_with("http://127.0.0.1:3000/reset/"));
    assert!(made.emailed_to.is_none() && made.expires_at.is_some());
    app.post("/api/v1/auth/forgot-password")
        .json(&json!({"email": "dana@primer.test"}))
        .send()
        .await
        .assert_error(409, "mail_not_configured");
    let form = app.post("/forgot-password").form(&[("email", "dana@primer.test")]).send().await;
    assert!(form.header("location").unwrap().starts_with("/login?error=mail_not_configured"));
    assert!(log(&app, &admin).await.is_empty());
}

db_tests!(
    an_invitation_is_emailed_and_its_link_works,
    forgot_password_answers_the_same_and_sends_only_to_accounts,
    without_mail_links_are_handed_over,
);

/// Queues a password link for a new person at `address` and sends what is due.
async fn link_for(app: &TestApp, address: &str) -> i64 {
    let admin = app.signed_in(Role::Admin).await;
    let someone = app.create_user(address, Role::Learner, None).await;
    app.post(&format!("/api/v1/users/{}/password-reset", someone.id)).session(&admin).send().await.assert_status(202);
    send_messages(app).await;
    message::Entity::find().filter(message::Column::UserId.eq(someone.id)).one(app.db()).await.unwrap().unwrap().id
}

async fn message_row(app: &TestApp, id: i64) -> message::Model {
    message::Entity::find_by_id(id).one(app.db()).await.unwrap().unwrap()
}

async fn job_row(app: &TestApp, id: i64) -> job::Model {
    server::jobs::queue::find(app.db(), &format!("message:{id}")).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_and_a_relay_both_deliver() {
    for mode in [Mode::Tls, Mode::Plain] {
        let app = mail::app(Db::Sqlite, mail::config(mode)).await;
        let address = mail::address("tls");
        let id = link_for(&app, &address).await;
        let got = mail::wait_for(&address, 1).await;
        assert_eq!(got[0].tls, mode == Mode::Tls, "{mode:?}");
        assert_eq!(got[0].auth.is_empty(), mode == Mode::Plain, "{mode:?}");
        assert_eq!(message_row(&app, id).await.state, "sent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_refused_and_retried() {
    // The test CA is not among the system's roots: without PRIMER_SMTP_CA_FILE the
    // server's certificate is refused, and nothing is sent in the clear instead.
    let untrusted = server::messages::MailConfig { ca_file: None, ..mail::config(Mode::StartTls) };
    let app = mail::app(Db::Sqlite, untrusted).await;
    let address = mail::address("untrusted");
    let id = link_for(&app, &address).await;
    let row = message_row(&app, id).await;
    assert_eq!(row.state, "queued", "a TLS failure is worth another try (the operator may fix it)");
    assert!(row.last_error.as_deref().unwrap().to_lowercase().contains("certificate"), "{:?}", row.last_error);
    assert_eq!(job_row(&app, id).await.state, "queued");
    assert!(mail::inbox(&address).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_later_is_retried_and_a_refusal_is_final() {
    let app = mail::app(Db::Sqlite, mail::config(Mode::Plain)).await;
    let later = link_for(&app, &mail::address("tempfail")).await;
    let row = message_row(&app, later).await;
    assert_eq!((row.state.as_str(), row.attempts), ("queued", 1));
    assert!(row.last_error.as_deref().unwrap().contains("451"), "{:?}", row.last_error);
    let job = job_row(&app, later).await;
    assert_eq!(job.state, "queued");
    assert!(job.run_at > server::db::now(), "retried after a back-off");

    let refused = link_for(&app, &mail::address("reject")).await;
    let row = message_row(&app, refused).await;
    assert_eq!((row.state.as_str(), row.attempts), ("failed", 1));
    assert!(row.last_error.as_deref().unwrap().contains("550"), "{:?}", row.last_error);
    assert_eq!(job_row(&app, refused).await.state, "failed", "a refusal is not retried");

    // The last of its tries fails the message for good.
    job::Entity::update_many()
        .col_expr(job::Column::RunAt, Expr::value(server::db::now()))
        .col_expr(job::Column::Attempts, Expr::value(5))
        .filter(job::Column::Key.eq(format!("message:{later}")))
        .exec(app.db())
        .await
        .unwrap();
    send_messages(&app).await;
    let row = message_row(&app, later).await;
    assert_eq!((row.state.as_str(), row.attempts), ("failed", 2));
    assert_eq!(job_row(&app, later).await.state, "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_goes_once_per_key_and_a_resend_after_a_crash_is_counted() {
    use server::messages::{self, NewMessage};
    let app = mail::app(Db::Sqlite, mail::config(Mode::Plain)).await;
    let address = mail::address("once");
    let someone = app.create_user(&address, Role::Learner, None).await;
    let new = || NewMessage {
        key: format!("test:{}", someone.id),
        user_id: someone.id,
        to_address: address.clone(),
        kind: MessageKind::PasswordReset,
        created_by: None,
        payload: None,
        send_at: None,
    };
    let id = messages::queue(app.db(), new()).await.unwrap().expect("added");
    assert_eq!(messages::queue(app.db(), new()).await.unwrap(), None, "a second server's copy adds nothing");
    // Two runners, as two servers would: one claim.
    let (a, b) = tokio::join!(send_messages(&app), send_messages(&app));
    assert_eq!(a + b, 1);
    assert_eq!(mail::wait_for(&address, 1).await.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(mail::inbox(&address).len(), 1);

    // A server that stopped after the mail server took a message, before recording it:
    // the message is queued with an attempt counted. The next try sends it again and
    // says so in the log (attempts: 2).
    let id2 =
        messages::queue(app.db(), NewMessage { key: format!("test2:{}", someone.id), ..new() }).await.unwrap().unwrap();
    message::Entity::update_many()
        .col_expr(message::Column::Attempts, Expr::value(1))
        .filter(message::Column::Id.eq(id2))
        .exec(app.db())
        .await
        .unwrap();
    send_messages(&app).await;
    let row = message_row(&app, id2).await;
    assert_eq!((row.state.as_str(), row.attempts), ("sent", 2));
    assert_eq!(message_row(&app, id).await.attempts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dkim_signatures_verify_with_another_implementation() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("dkim.pem");
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).output().expect("openssl");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    openssl(&["genrsa", "-traditional", "-out", key.to_str().unwrap(), "2048"]);
    let public = openssl(&["rsa", "-in", key.to_str().unwrap(), "-pubout", "-outform", "DER"]);
    use base64::Engine;
    let public = base64::engine::general_purpose::STANDARD.encode(public);

    let config = server::messages::MailConfig {
        dkim_key: Some(key.clone()),
        dkim_selector: "sel1".into(),
        ..mail::config(Mode::Plain)
    };
    let app = mail::app(Db::Sqlite, config).await;
    let address = mail::address("dkim");
    link_for(&app, &address).await;
    let got = mail::wait_for(&address, 1).await;
    let signature = got[0].header("DKIM-Signature").expect("signed");
    assert!(signature.contains("d=primer.test") && signature.contains("s=sel1"), "{signature}");

    let message = dir.path().join("message.eml");
    let verify = |raw: &[u8]| {
        std::fs::write(&message, raw).unwrap();
        let script = format!(
            "import dkim,sys\n\
             txt=b'v=DKIM1; k=rsa; p={public}'\n\
             def dns(name, timeout=5):\n    return txt if name == b'sel1._domainkey.primer.test.' else None\n\
             ok=dkim.verify(open(sys.argv[1],'rb').read(), dnsfunc=dns)\n\
             print('pass' if ok else 'fail')"
        );
        let python = std::env::var("PRIMER_TEST_PYTHON").expect("PRIMER_TEST_PYTHON (scripts/with-smtp.sh)");
        let out = std::process::Command::new(python).arg("-c").arg(script).arg(&message).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(verify(&got[0].raw), "pass");
    // The check can fail: a changed subject breaks the signature.
    let raw = String::from_utf8(got[0].raw.clone()).unwrap();
    let tampered = raw.replacen("Subject: ", "Subject: Re: ", 1);
    assert_ne!(tampered, raw);
    assert_eq!(verify(tampered.as_bytes()), "fail");
}
