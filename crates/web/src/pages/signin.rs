//! Signing in and out, and API tokens (pages and JSON).

use super::*;

/// Creates an API token for `person` (audited); returns its id and its secret, shown once.
pub(crate) async fn issue_token(
    state: &AppState,
    person: &str,
    name: &str,
) -> Result<(String, String), ServerError> {
    let secret = new_secret();
    let id = new_secret()[..16].to_string();
    let at = now();
    let entry = AuditEvent::new(person, "admin", &format!("token:{id}"), "create", name);
    state
        .store
        .create_token(
            &id,
            person,
            name,
            &secret_hash(&secret),
            &Audited {
                at: &at,
                event: &entry,
            },
        )
        .await?;
    Ok((id, secret))
}

/// Revokes one of `person`'s tokens (audited); false when they have no such live token.
pub(crate) async fn withdraw_token(
    state: &AppState,
    person: &str,
    id: &str,
) -> Result<bool, ServerError> {
    let at = now();
    let entry = AuditEvent::new(person, "admin", &format!("token:{id}"), "revoke", "");
    Ok(state
        .store
        .revoke_token(
            person,
            id,
            &Audited {
                at: &at,
                event: &entry,
            },
        )
        .await?)
}

/// The API tokens page: list, create (the secret is shown once), revoke.
pub async fn tokens_page(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    Ok(render(&TokensPage {
        chrome: signed_chrome(&state, &v, lang, &[], lang.t(Key::Tokens)).await,
        csrf: v.csrf.clone().unwrap_or_default(),
        tokens: state.store.tokens(&v.person.id).await?,
    }))
}

/// The API tokens page (`templates/tokens.html`).
#[derive(askama::Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    csrf: String,
    tokens: Vec<pillar_store::accounts::TokenInfo>,
}

/// Creates a token from the page; its secret is shown once.
pub async fn tokens_create(
    State(state): State<AppState>,
    Language(lang): Language,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let Some(name) = form.get("name") else {
        return Err(PageError::BadRequest("field `name`: required".into()));
    };
    let (_, secret) = issue_token(&state, &v.person.id, name).await?;
    let page = TokenCreatedPage {
        chrome: signed_chrome(&state, &v, lang, &[], lang.t(Key::Tokens)).await,
        secret: &secret,
    };
    Ok((StatusCode::CREATED, render(&page)).into_response())
}

/// A new token's secret, shown this once (`templates/token_created.html`).
#[derive(askama::Template)]
#[template(path = "token_created.html")]
struct TokenCreatedPage<'a> {
    chrome: Chrome,
    secret: &'a str,
}

/// Revokes a token from the page.
pub async fn tokens_revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm(v, _): SignedForm,
) -> Result<Response, PageError> {
    // Someone else's token, or one already revoked, is not found: as for the API.
    if !withdraw_token(&state, &v.person.id, &id).await? {
        return Err(PageError::NotFound);
    }
    Ok(Redirect::to("/tokens").into_response())
}

pub async fn login_form(Language(lang): Language) -> Response {
    login_page(lang, None)
}

pub(crate) fn login_page(lang: Lang, error: Option<&str>) -> Response {
    let csrf = new_secret();
    let res = render(&LoginPage {
        chrome: Chrome::new(
            lang,
            &(String::new(), String::new()),
            None,
            lang.t(Key::SignIn),
        ),
        csrf: &csrf,
        error,
    });
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    with_cookie(
        (status, res).into_response(),
        Some(format!(
            "pillar_login_csrf={csrf}; Path=/login; HttpOnly; SameSite=Strict"
        )),
    )
}

/// The sign-in page (`templates/login.html`).
#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    chrome: Chrome,
    csrf: &'a str,
    error: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: String,
    user: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let lang = lang_of(&headers);
    let cookies = headers.get(header::COOKIE).and_then(|h| h.to_str().ok());
    // Double-submit CSRF check for the sign-in form (there is no session yet).
    if !cookie(cookies, "pillar_login_csrf").is_some_and(|c| same(c, &form.csrf)) {
        return Ok((StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response());
    }
    let client = state.client_address(addr.ip(), &headers);
    let user_key = format!("user:{}", form.user);
    let addr_key = format!("addr:{client}");
    // The attempt is counted before the password is checked (and taken back on success).
    let window = chrono::Duration::from_std(WINDOW).expect("the window fits");
    let expired = time_text(chrono::Utc::now() - window);
    let allowed = state
        .store
        .count_login_attempt(&[&user_key, &addr_key], &now(), &expired, MAX_FAILURES)
        .await?;
    // A refused sign-in: audited (with the client's address), and the page again.
    let refused = |decision: &'static str, why: Key| {
        let (state, user, client) = (state.clone(), form.user.clone(), client.to_string());
        async move {
            state
                .audit(&user, "login", "session", None, decision, &client)
                .await;
            login_page(lang, Some(lang.t(why)))
        }
    };
    if !allowed {
        return Ok(refused("throttled", Key::Throttled).await);
    }
    let stored = state.store.password_hash(&form.user).await?;
    if !verify_password(&form.password, stored.as_deref()) {
        return Ok(refused("deny", Key::BadLogin).await);
    }
    state.store.login_succeeded(&user_key, &[&addr_key]).await?;
    let secret = new_secret();
    let expires = time_text(chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS));
    let at = now();
    let entry = AuditEvent::new(&form.user, "login", "session", "allow", &client.to_string());
    state
        .store
        .create_session(
            &secret_hash(&secret),
            &form.user,
            &new_secret(),
            &expires,
            &Audited {
                at: &at,
                event: &entry,
            },
        )
        .await?;
    let res = Redirect::to("/").into_response();
    Ok(with_cookie(
        res,
        Some(format!(
            "pillar_session={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
            SESSION_HOURS * 3600
        )),
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    SignedForm(v, _): SignedForm,
) -> Result<Response, PageError> {
    let at = now();
    let entry = AuditEvent::new(&v.person.id, "logout", "session", "ok", "");
    let audited = Audited {
        at: &at,
        event: &entry,
    };
    match &v.session {
        Some(s) => state.store.delete_session(s, &audited).await?,
        None => {
            state.store.audit(audited.at, audited.event).await?;
        }
    }
    Ok(with_cookie(
        Redirect::to("/login").into_response(),
        Some("pillar_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0".into()),
    ))
}

/// `GET /api/tokens`: the caller's API tokens (never their secrets), paged like every list.
#[utoipa::path(get, path = "/api/tokens", tag = "tokens",
    params(crate::api::Paging),
    responses((status = 200, description = "your tokens, revoked ones with the time", body = crate::api::Listing<serde_json::Value>),
              (status = 400, description = "a limit or offset out of range", body = crate::api::Refusal)))]
pub async fn api_tokens(
    State(state): State<AppState>,
    Caller(v): Caller,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    let (tokens, window) = paged.slice(state.store.tokens(&v.person.id).await?);
    // Tokens carry no label: the marking is that of a page showing nothing labelled.
    let marking = marking(&state, &v, &[]).await;
    Ok(Json(crate::api::Listing::new(marking, tokens, window)).into_response())
}

/// `POST /api/tokens`: a new token; its secret is in the answer, once.
#[utoipa::path(post, path = "/api/tokens", tag = "tokens",
    request_body = crate::api::NewToken,
    responses((status = 201, description = "the token and its secret", body = crate::api::CreatedToken),
              (status = 403, description = "a session without the X-CSRF-Token header", body = crate::api::Refusal)))]
pub async fn api_create_token(
    State(state): State<AppState>,
    Writer(v): Writer,
    Json(t): Json<crate::api::NewToken>,
) -> Result<Response, ApiError> {
    let (id, secret) = issue_token(&state, &v.person.id, &t.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::api::CreatedToken {
            id,
            name: t.name,
            token: secret,
        }),
    )
        .into_response())
}

/// `DELETE /api/tokens/{id}`: revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "tokens",
    params(("id" = String, Path)),
    responses((status = 204, description = "revoked"),
              (status = 404, description = "no such live token of yours", body = crate::api::Refusal)))]
pub async fn api_revoke_token(
    State(state): State<AppState>,
    Writer(v): Writer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if withdraw_token(&state, &v.person.id, &id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::NotFound)
    }
}
