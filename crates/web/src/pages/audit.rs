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
    // No positions in the chain: their gaps would count the entries this administrator may not
    // read. (`pillar audit log` shows them to operators.)
    let mut body = String::from("<table><thead><tr><th>time</th><th>actor</th><th>action</th><th>object</th><th>decision</th><th>detail</th></tr></thead><tbody>");
    for e in &entries {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&e.at),
            esc(&e.event.actor),
            esc(&e.event.action),
            esc(&e.event.object),
            esc(&e.event.decision),
            esc(&e.event.detail)
        ));
    }
    body.push_str("</tbody></table>");
    let banner = banner(&state, &v, &[], lang).await;
    Ok(viewer_page(lang, &banner, &v, lang.t(Key::Audit), &body))
}
