//! The audit page, for administrators.

use super::*;

/// The audit page, for administrators: the newest entries, those whose label the administrator
/// may read (or that carry none).
pub async fn audit_page(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
) -> Result<Response, PageError> {
    let Some(entries) = state
        .store
        .reader(&v.readable)
        .audit_entries(&v.person, 500)
        .await?
    else {
        return Err(PageError::NotFound);
    };
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
    }))
}

/// The audit page (`templates/audit.html`).
#[derive(askama::Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    chrome: Chrome,
    entries: &'a [pillar_store::audit::AuditEntry],
}
