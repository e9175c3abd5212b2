//! Signing in and out, sessions, throttling, cross-site request protection, one-time
//! password links.

use std::time::Duration;

use app::api::Role;
use serde_json::json;

use crate::{db_tests, support::TestApp};

const PASSWORD: &str = "correct horse battery";

async fn login(app: &TestApp, email: &str, password: &str) -> crate::support::Reply {
    app.post("/api/v1/auth/login").json(&json!({"email": email, "password": password})).send().await
}

async fn sign_in_and_out(app: TestApp) {
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;

    // Email is case- and space-insensitive.
    let reply = login(&app, "  Dana@Primer.TEST ", PASSWORD).await;
    reply.assert_status(200);
    let body = reply.value();
    assert_eq!(body["user"]["email"], "dana@primer.test");
    assert_eq!(body["user"]["role"], "learner");
    for field in ["id", "name", "job_role", "team", "time_zone", "start_date", "active"] {
        assert!(body["user"].get(field).is_some(), "user.{field} is in the answer");
    }
    let set_cookie = reply.set_cookie("primer_session").expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(set_cookie.contains(attribute), "{attribute} in {set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "not Secure without an https public URL");
    let cookie = reply.session_cookie().unwrap();

    let me = app.get("/api/v1/me").header("cookie", &cookie).send().await;
    me.assert_status(200);
    assert_eq!(me.value()["user"]["email"], "dana@primer.test");
    assert!(me.value()["today"].is_string());

    let out = app.post("/api/v1/auth/logout").header("cookie", &cookie).send().await;
    out.assert_status(204);
    let removal = out.set_cookie("primer_session").expect("the cookie is cleared");
    assert!(removal.contains("Max-Age=0") || removal.contains("Expires="), "{removal}");

    // The old cookie no longer works: the session ended on the server, not just in the browser.
    app.get("/api/v1/me").header("cookie", &cookie).send().await.assert_error(401, "unauthenticated");
    // Signing out without a session is harmless.
    app.post("/api/v1/auth/logout").send().await.assert_status(204);
}

async fn wrong_email_and_wrong_password_fail_alike(app: TestApp) {
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let wrong_password = login(&app, "dana@primer.test", "not the password").await;
    let wrong_email = login(&app, "nobody@primer.test", PASSWORD).await;
    wrong_password.assert_error(401, "invalid_credentials");
    wrong_email.assert_error(401, "invalid_credentials");
    assert_eq!(wrong_password.body, wrong_email.body, "one uniform answer");
    assert!(wrong_password.set_cookie("primer_session").is_none());

    // An account without a password yet can't be signed into with an empty one.
    app.create_user("new@primer.test", Role::Learner, None).await;
    login(&app, "new@primer.test", "").await.assert_error(401, "invalid_credentials");
}

async fn malformed_login_bodies_get_clear_errors(app: TestApp) {
    let reply = app.post("/api/v1/auth/login").header("content-type", "application/json").send().await;
    reply.assert_error(400, "malformed_request");
    // A body of the wrong shape is malformed (400); a value that fails a rule is
    // `invalid_input` (422).
    let reply = app.post("/api/v1/auth/login").json(&json!({"email": "a@b.co"})).send().await;
    reply.assert_error(400, "malformed_request");
    assert!(reply.value()["error"]["message"].as_str().unwrap().contains("password"), "says what is missing");
    let reply = app.post("/api/v1/auth/login").header("content-type", "text/plain").send().await;
    reply.assert_error(415, "unsupported_media_type");
}

async fn secure_cookie_when_served_over_https(app: TestApp) {
    let app = app
        .reconfigured(|c| c.public_origin = Some(server::config::Origin::parse("https://primer.example.com").unwrap()));
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let reply = app
        .post("/api/v1/auth/login")
        .header("origin", "https://primer.example.com")
        .json(&json!({"email": "dana@primer.test", "password": PASSWORD}))
        .send()
        .await;
    reply.assert_status(200);
    assert!(reply.set_cookie("primer_session").unwrap().contains("Secure"));
}

async fn throttles_per_account_and_address(app: TestApp) {
    let app = app.reconfigured(|c| {
        c.throttle.per_account_address = 3;
        c.throttle.per_address = 100;
    });
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    for _ in 0..3 {
        login(&app, "dana@primer.test", "guess guess guess").await.assert_error(401, "invalid_credentials");
    }
    // Now even the right password is refused until the window passes.
    let reply = login(&app, "dana@primer.test", PASSWORD).await;
    reply.assert_error(429, "too_many_attempts");
    let retry: u64 = reply.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=15 * 60).contains(&retry), "retry after {retry}s");
    // Other accounts from elsewhere are unaffected.
    app.create_user("sam@primer.test", Role::Learner, Some(PASSWORD)).await;
    login(&app, "sam@primer.test", PASSWORD).await.assert_status(200);
}

async fn throttle_window_expires(app: TestApp) {
    let app = app.reconfigured(|c| {
        c.throttle.per_account_address = 2;
        c.throttle.window = Duration::from_secs(1);
    });
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    for _ in 0..2 {
        login(&app, "dana@primer.test", "guess guess guess").await.assert_status(401);
    }
    login(&app, "dana@primer.test", PASSWORD).await.assert_error(429, "too_many_attempts");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    login(&app, "dana@primer.test", PASSWORD).await.assert_status(200);
}

async fn success_clears_the_account_counter(app: TestApp) {
    let app = app.reconfigured(|c| c.throttle.per_account_address = 3);
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    for _ in 0..2 {
        login(&app, "dana@primer.test", "typo typo typo").await.assert_status(401);
    }
    login(&app, "dana@primer.test", PASSWORD).await.assert_status(200);
    for _ in 0..2 {
        login(&app, "dana@primer.test", "typo typo typo").await.assert_status(401);
    }
    login(&app, "dana@primer.test", PASSWORD).await.assert_status(200);
}

async fn throttles_per_address(app: TestApp) {
    let app = app.reconfigured(|c| {
        c.throttle.per_account_address = 100;
        c.throttle.per_address = 4;
    });
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let attempt = |email: String, password: &'static str, ip: &'static str| {
        let app = app.clone();
        async move {
            app.post("/api/v1/auth/login").peer(ip).json(&json!({"email": email, "password": password})).send().await
        }
    };
    // Spraying many accounts from one address.
    for i in 0..4 {
        attempt(format!("user{i}@primer.test"), "password1234", "203.0.113.7").await.assert_status(401);
    }
    attempt("dana@primer.test".into(), PASSWORD, "203.0.113.7").await.assert_error(429, "too_many_attempts");
    // Someone else, elsewhere, signs in fine.
    attempt("dana@primer.test".into(), PASSWORD, "198.51.100.20").await.assert_status(200);
}

async fn trusted_proxies_forward_the_client_address(app: TestApp) {
    let app = app.reconfigured(|c| {
        c.throttle.per_address = 2;
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    });
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let via_proxy = |client: &'static str, password: &'static str| {
        let app = app.clone();
        async move {
            app.post("/api/v1/auth/login")
                .peer("10.1.2.3")
                .header("x-forwarded-for", client)
                .json(&json!({"email": "dana@primer.test", "password": password}))
                .send()
                .await
        }
    };
    via_proxy("198.51.100.1", "wrong wrong wrong").await.assert_status(401);
    via_proxy("198.51.100.1", "wrong wrong wrong").await.assert_status(401);
    via_proxy("198.51.100.1", PASSWORD).await.assert_error(429, "too_many_attempts");
    // The same proxy forwarding a different client: that client is not blocked.
    via_proxy("198.51.100.2", PASSWORD).await.assert_status(200);
}

async fn cross_site_requests_are_refused(app: TestApp) {
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let body = json!({"email": "dana@primer.test", "password": PASSWORD});
    // Another site's page posting to Primer.
    let reply = app.post("/api/v1/auth/login").header("origin", "https://evil.example").json(&body).send().await;
    reply.assert_error(403, "csrf");
    assert!(reply.set_cookie("primer_session").is_none(), "nothing happened");
    let reply = app.post("/api/v1/auth/login").header("sec-fetch-site", "cross-site").json(&body).send().await;
    reply.assert_error(403, "csrf");
    app.post("/login")
        .header("origin", "null")
        .form(&[("email", "dana@primer.test"), ("password", PASSWORD)])
        .send()
        .await
        .assert_error(403, "csrf");

    // Primer's own pages, and clients that are not browsers, pass.
    app.post("/api/v1/auth/login").header("origin", "http://primer.test").json(&body).send().await.assert_status(200);
    app.post("/api/v1/auth/login").header("sec-fetch-site", "same-origin").json(&body).send().await.assert_status(200);
    app.post("/api/v1/auth/login").json(&body).send().await.assert_status(200);

    // Signed in, a cross-site state change is refused too, and changes nothing.
    let admin = app.signed_in(Role::Admin).await;
    let reply = app
        .post("/api/v1/teams")
        .session(&admin)
        .header("origin", "https://evil.example")
        .json(&json!({"name": "Evil"}))
        .send()
        .await;
    reply.assert_error(403, "csrf");
    let teams = app.get("/api/v1/teams").session(&admin).send().await;
    assert_eq!(teams.value().as_array().unwrap().len(), 0);
    // Reads are not state changes.
    app.get("/api/v1/me").session(&admin).header("origin", "https://evil.example").send().await.assert_status(200);
}

async fn configured_public_url_is_the_only_origin(app: TestApp) {
    let app = app
        .reconfigured(|c| c.public_origin = Some(server::config::Origin::parse("https://primer.example.com").unwrap()));
    let body = json!({"email": "x@primer.test", "password": "whatever123"});
    app.post("/api/v1/auth/login")
        .header("origin", "https://primer.example.com")
        .json(&body)
        .send()
        .await
        .assert_error(401, "invalid_credentials");
    // The Host header matches, but the operator said where Primer lives.
    app.post("/api/v1/auth/login")
        .header("origin", "http://primer.test")
        .json(&body)
        .send()
        .await
        .assert_error(403, "csrf");
}

async fn deactivation_ends_sessions_and_blocks_sign_in(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let dana = app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let cookie = login(&app, "dana@primer.test", PASSWORD).await.session_cookie().unwrap();
    app.get("/api/v1/me").header("cookie", &cookie).send().await.assert_status(200);

    app.patch(&format!("/api/v1/users/{}", dana.id))
        .session(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .assert_status(200);
    app.get("/api/v1/me").header("cookie", &cookie).send().await.assert_error(401, "unauthenticated");
    login(&app, "dana@primer.test", PASSWORD).await.assert_error(403, "account_inactive");
    // A wrong password still says only that the credentials are wrong.
    login(&app, "dana@primer.test", "wrong wrong wrong").await.assert_error(401, "invalid_credentials");

    app.patch(&format!("/api/v1/users/{}", dana.id))
        .session(&admin)
        .json(&json!({"active": true}))
        .send()
        .await
        .assert_status(200);
    login(&app, "dana@primer.test", PASSWORD).await.assert_status(200);
}

async fn one_time_links_set_a_password_once(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let created = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": "new@primer.test", "name": "New Person", "role": "learner"}))
        .send()
        .await;
    created.assert_status(201);
    assert_eq!(created.value()["has_password"], false);
    let id = created.value()["id"].as_i64().unwrap();

    let first = app.post(&format!("/api/v1/users/{id}/password-reset")).session(&admin).send().await;
    first.assert_status(201);
    let second = app.post(&format!("/api/v1/users/{id}/password-reset")).session(&admin).send().await;
    second.assert_status(201);
    let token_of = |reply: &crate::support::Reply| {
        let url = reply.value()["url"].as_str().unwrap().to_string();
        // From the configured address (a request's Host is never used for links).
        assert!(url.starts_with("http://127.0.0.1:3000/reset/"), "{url}");
        url.rsplit('/').next().unwrap().to_string()
    };
    let (old, token) = (token_of(&first), token_of(&second));

    // The newer link replaces the older one.
    let set = |token: String, password: &'static str| {
        let app = app.clone();
        async move {
            app.post("/api/v1/auth/password-reset").json(&json!({"token": token, "password": password})).send().await
        }
    };
    set(old, PASSWORD).await.assert_error(400, "invalid_reset_link");
    // Too short: refused, and the link still works afterwards.
    set(token.clone(), "short").await.assert_error(422, "invalid_input");
    set(token.clone(), PASSWORD).await.assert_status(204);
    login(&app, "new@primer.test", PASSWORD).await.assert_status(200);
    // Used once, never again.
    set(token, "another password here").await.assert_error(400, "invalid_reset_link");
    login(&app, "new@primer.test", PASSWORD).await.assert_status(200);
}

async fn reset_links_expire_and_end_sessions(app: TestApp) {
    let app = app.reconfigured(|c| c.reset_link_ttl = Duration::from_secs(1));
    let admin = app.signed_in(Role::Admin).await;
    let dana = app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let cookie = login(&app, "dana@primer.test", PASSWORD).await.session_cookie().unwrap();

    let link = app.post(&format!("/api/v1/users/{}/password-reset", dana.id)).session(&admin).send().await;
    let token = link.value()["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    app.post("/api/v1/auth/password-reset")
        .json(&json!({"token": token, "password": "brand new password"}))
        .send()
        .await
        .assert_error(400, "invalid_reset_link");

    let app = app.reconfigured(|c| c.reset_link_ttl = Duration::from_secs(3600));
    let link = app.post(&format!("/api/v1/users/{}/password-reset", dana.id)).session(&admin).send().await;
    let token = link.value()["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    app.post("/api/v1/auth/password-reset")
        .json(&json!({"token": token, "password": "brand new password"}))
        .send()
        .await
        .assert_status(204);
    // Whoever held the old password is signed out.
    app.get("/api/v1/me").header("cookie", &cookie).send().await.assert_error(401, "unauthenticated");
    login(&app, "dana@primer.test", PASSWORD).await.assert_error(401, "invalid_credentials");
    login(&app, "dana@primer.test", "brand new password").await.assert_status(200);
}

async fn changing_ones_password_signs_out_other_devices(app: TestApp) {
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let phone = login(&app, "dana@primer.test", PASSWORD).await.session_cookie().unwrap();
    let laptop = login(&app, "dana@primer.test", PASSWORD).await.session_cookie().unwrap();
    let change = |current: &'static str, new: &'static str| {
        app.put("/api/v1/me/password")
            .header("cookie", &laptop)
            .json(&json!({"current_password": current, "new_password": new}))
    };
    change("wrong wrong wrong", "a new password!").send().await.assert_error(422, "invalid_input");
    change(PASSWORD, "short").send().await.assert_error(422, "invalid_input");
    change(PASSWORD, "a new password!").send().await.assert_status(204);
    app.get("/api/v1/me").header("cookie", &laptop).send().await.assert_status(200);
    app.get("/api/v1/me").header("cookie", &phone).send().await.assert_error(401, "unauthenticated");
    login(&app, "dana@primer.test", "a new password!").await.assert_status(200);
}

async fn guessing_the_current_password_is_throttled(app: TestApp) {
    let app = app.reconfigured(|c| c.throttle.per_account_address = 3);
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let session = login(&app, "dana@primer.test", PASSWORD).await.session_cookie().unwrap();
    let change = |current: &'static str| {
        app.put("/api/v1/me/password")
            .header("cookie", &session)
            .json(&json!({"current_password": current, "new_password": "a new password!"}))
    };
    for _ in 0..3 {
        change("guess guess guess").send().await.assert_error(422, "invalid_input");
    }
    change(PASSWORD).send().await.assert_error(429, "too_many_attempts");
    // And sign-in for that account is held back too.
    login(&app, "dana@primer.test", PASSWORD).await.assert_error(429, "too_many_attempts");
}

async fn forged_and_expired_cookies_are_not_sessions(app: TestApp) {
    app.get("/api/v1/me").header("cookie", "primer_session=forged").send().await.assert_error(401, "unauthenticated");
    app.get("/api/v1/me").header("cookie", "primer_session=").send().await.assert_error(401, "unauthenticated");
    let app = app.reconfigured(|c| c.session_ttl = Duration::from_secs(1));
    let s = app.signed_in(Role::Learner).await;
    app.get("/api/v1/me").session(&s).send().await.assert_status(200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    app.get("/api/v1/me").session(&s).send().await.assert_error(401, "unauthenticated");
}

db_tests!(
    sign_in_and_out,
    wrong_email_and_wrong_password_fail_alike,
    malformed_login_bodies_get_clear_errors,
    secure_cookie_when_served_over_https,
    throttles_per_account_and_address,
    throttle_window_expires,
    success_clears_the_account_counter,
    throttles_per_address,
    trusted_proxies_forward_the_client_address,
    cross_site_requests_are_refused,
    configured_public_url_is_the_only_origin,
    deactivation_ends_sessions_and_blocks_sign_in,
    one_time_links_set_a_password_once,
    reset_links_expire_and_end_sessions,
    changing_ones_password_signs_out_other_devices,
    guessing_the_current_password_is_throttled,
    forged_and_expired_cookies_are_not_sessions,
);
