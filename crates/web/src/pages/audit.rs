//! The audit page, for administrators.

use super::*;

/// Entries on one audit page.
const PER_PAGE: usize = 100;

/// The audit page, for administrators: the entries whose label the administrator may read (or
/// that carry none), newest first, a hundred to a page (`?page=N`, from 1).
pub async fn audit_page(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let page = match q.get("page") {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|p| (1..=1 << 40).contains(p))
            .ok_or_else(|| {
                PageError::BadRequest(format!("`page`: `{p}` is not a page number (1, 2, …)"))
            })?,
    };
    let Some((entries, total)) = state
        .store
        .reader(&v.readable)
        .audit_entries(&v.person, PER_PAGE as i64, ((page - 1) * PER_PAGE) as i64)
        .await?
    else {
        return Err(PageError::NotFound);
    };
    let pages = (total.max(0) as usize).div_ceil(PER_PAGE).max(1);
    state
        .audit(
            &v.person.id,
            "read",
            "audit",
            None,
            "allow",
            // No count: it would tell an administrator cleared lower how many entries this
            // one may read.
            "",
        )
        .await;
    Ok(render(&AuditPage {
        chrome: signed_chrome(&state, &v, lang, &[], lang.t(Key::Audit)).await,
        entries: &entries,
        page,
        pages,
    }))
}

/// The audit page (`templates/audit.html`).
#[derive(askama::Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    chrome: Chrome,
    entries: &'a [pillar_store::audit::AuditEntry],
    /// This page (from 1) and how many there are.
    page: usize,
    pages: usize,
}
