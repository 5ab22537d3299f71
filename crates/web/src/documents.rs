//! Documents: upload with a label (the author's clearance must satisfy it), versions, download
//! and full-text search — all through the store's label-filtered queries.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use pillar_label::Label;
use pillar_store::documents::{DocumentInfo, Upload};
use serde_json::json;

use crate::auth::new_secret;
use crate::i18n::Lang;
use crate::pages::{
    bad_request, banner, esc, language, not_found, page, unauthorized, viewer_page,
};
use crate::{now, viewer, AppState, ServerError, Viewer};

/// Text to index: plain text and Markdown as they are (UTF-8, lossy); the text of a PDF
/// (pdf-extract); nothing for other formats (indexed by title only).
pub fn extract_text(filename: &str, media_type: &str, bytes: &[u8]) -> String {
    let lower = filename.to_ascii_lowercase();
    let textual = media_type.starts_with("text/")
        || lower.ends_with(".txt")
        || lower.ends_with(".md")
        || lower.ends_with(".markdown");
    if textual {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    if media_type == "application/pdf" || lower.ends_with(".pdf") {
        // A malformed PDF must not take the server down: the extractor is known to panic on
        // some inputs, so a panic counts as "no text".
        let bytes = bytes.to_vec();
        return std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&bytes))
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
    }
    String::new()
}

/// [`extract_text`] off the async runtime (PDF extraction can take a while).
async fn searchable_text(
    filename: &str,
    media_type: &str,
    bytes: &[u8],
) -> Result<String, ServerError> {
    let (f, m, b) = (filename.to_string(), media_type.to_string(), bytes.to_vec());
    Ok(tokio::task::spawn_blocking(move || extract_text(&f, &m, &b)).await?)
}

fn media_type_of(filename: &str, given: Option<&str>) -> String {
    let lower = filename.to_ascii_lowercase();
    let guessed = if lower.ends_with(".md") || lower.ends_with(".markdown") {
        "text/markdown"
    } else if lower.ends_with(".txt") {
        "text/plain"
    } else if lower.ends_with(".pdf") {
        "application/pdf"
    } else {
        ""
    };
    match (guessed, given) {
        ("", Some(g)) if !g.is_empty() => g.to_string(),
        ("", _) => "application/octet-stream".into(),
        (g, _) => g.to_string(),
    }
}

struct Parts {
    fields: HashMap<String, String>,
    file: Option<(String, String, Vec<u8>)>,
}

async fn read_parts(mut m: Multipart) -> Result<Parts, String> {
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(field) = m.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let filename = field.file_name().unwrap_or("upload").to_string();
            let ct = field.content_type().map(str::to_string);
            let bytes = field.bytes().await.map_err(|e| e.to_string())?;
            file = Some((
                filename.clone(),
                media_type_of(&filename, ct.as_deref()),
                bytes.to_vec(),
            ));
        } else {
            fields.insert(name, field.text().await.map_err(|e| e.to_string())?);
        }
    }
    Ok(Parts { fields, file })
}

fn document_rows(docs: &[DocumentInfo], set: &pillar_label::PolicySet, lang: Lang) -> String {
    let mut rows = String::new();
    for d in docs {
        let portion = set
            .resolve(&d.label)
            .map(|r| set.portion(&r, lang.tag()))
            .unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"/documents/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&portion),
            esc(&d.id),
            esc(&d.title),
            d.version,
            esc(&d.filename),
            esc(&d.uploaded_at)
        ));
    }
    rows
}

/// The documents page: search (or the newest) and the upload form.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ServerError> {
    let (lang, set_lang) = language(&headers, &q);
    let Some(v) = viewer(&state, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let query = q.get("q").cloned().unwrap_or_default();
    let hits = state
        .store
        .search_documents(&query, &v.readable, 100)
        .await?;
    let docs = hits.documents;
    if !query.is_empty() {
        state
            .audit(
                &v.person.id,
                "search",
                "documents",
                None,
                "allow",
                // Neither the query nor the number of hits: an administrator of lower
                // clearance reads this entry.
                "",
            )
            .await;
    }
    let set = state.policies().await?;
    let labels: Vec<&Label> = docs.iter().map(|d| &d.label).collect();
    let banner = banner(&state, &v, &labels, lang).await;
    let csrf = v.csrf.clone().unwrap_or_default();
    let body = format!(
        "<form method=\"get\" action=\"/documents\" role=\"search\"><label>{search}<input name=\"q\" value=\"{}\"></label><button>{search}</button></form>\
         <p>{} {}</p>{}<table><thead><tr><th>{}</th><th>{title}</th><th>{version}</th><th>{file}</th><th>{uploaded}</th></tr></thead><tbody>{}</tbody></table>\
         <h2>{upload}</h2><form method=\"post\" action=\"/documents\" enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>{title}<input name=\"title\" required></label><label>{label}<textarea name=\"label\" rows=\"3\" cols=\"80\"></textarea></label>\
         <label>{file}<input type=\"file\" name=\"file\" required></label><button>{upload}</button></form>",
        esc(&query),
        docs.len(),
        lang.t("count"),
        if hits.broad {
            format!("<p class=\"note\">{}</p>", lang.t("search_broad"))
        } else {
            String::new()
        },
        lang.t("marking"),
        document_rows(&docs, &set, lang),
        esc(&csrf),
        search = lang.t("search"),
        title = lang.t("title_field"),
        version = lang.t("version"),
        file = lang.t("file"),
        uploaded = lang.t("uploaded"),
        upload = lang.t("upload"),
        label = lang.t("label_field"),
    );
    Ok(viewer_page(
        lang,
        &banner,
        &v,
        lang.t("documents"),
        &body,
        set_lang,
    ))
}

/// The common start of an upload: a signed-in person, a readable multipart body, the session's
/// CSRF token. `Err` holds the response that refuses it.
async fn signed_upload(
    state: &AppState,
    headers: &HeaderMap,
    multipart: Multipart,
) -> Result<Result<(Viewer, Parts), Response>, ServerError> {
    let Some(v) = viewer(state, headers).await? else {
        return Ok(Err(Redirect::to("/login").into_response()));
    };
    let parts = match read_parts(multipart).await {
        Ok(p) => p,
        Err(e) => return Ok(Err(bad_request(&format!("cannot read the upload: {e}")))),
    };
    if !v.form_csrf_ok(parts.fields.get("csrf").map(String::as_str)) {
        return Ok(Err(
            (StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response()
        ));
    }
    Ok(Ok((v, parts)))
}

/// Upload a new document.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, ServerError> {
    let (v, parts) = match signed_upload(&state, &headers, multipart).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let title = parts
        .fields
        .get("title")
        .map(|t| t.trim().to_string())
        .unwrap_or_default();
    if title.is_empty() {
        return Ok(bad_request("field `title`: a title is required"));
    }
    let label = match parts
        .fields
        .get("label")
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
    {
        None => Label::new(
            Label::coalition_policy(),
            pillar_label::COALITION_UNCLASSIFIED,
        ),
        Some(text) => match Label::from_json(text) {
            Ok(l) => l,
            Err(e) => return Ok(bad_request(&format!("field `label`: {e}"))),
        },
    };
    let Some((filename, media_type, bytes)) = parts.file else {
        return Ok(bad_request("field `file`: a file is required"));
    };
    if !state.may_write(&v.person, &label).await? {
        state
            .audit(
                &v.person.id,
                "create",
                "document",
                None,
                "deny",
                "clearance does not satisfy the label",
            )
            .await;
        return Ok((
            StatusCode::FORBIDDEN,
            "your clearance does not satisfy that label (or the label is not valid)",
        )
            .into_response());
    }
    let sha = state.blobs.put(&bytes)?;
    let text = searchable_text(&filename, &media_type, &bytes).await?;
    let id = new_secret()[..16].to_string();
    let upload = Upload {
        sha256: &sha,
        size: bytes.len() as i64,
        media_type: &media_type,
        filename: &filename,
        text: &text,
    };
    state
        .store
        .create_document(&id, &title, &label, &v.person.id, &now(), &upload)
        .await?;
    // The entry carries the document's label, so that the audit page shows it only to
    // administrators cleared for it.
    let label_id = state.store.label_id(&label).await?;
    state
        .audit(
            &v.person.id,
            "create",
            &format!("document:{id}"),
            label_id,
            "allow",
            &sha,
        )
        .await;
    Ok(Redirect::to(&format!("/documents/{id}")).into_response())
}

/// A document's page (404 when not visible).
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ServerError> {
    let (lang, set_lang) = language(&headers, &q);
    let Some(v) = viewer(&state, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Some(d) = state.store.document(&id, &v.readable).await? else {
        return Ok(not_found(lang));
    };
    state
        .audit(
            &v.person.id,
            "read",
            &format!("document:{id}"),
            Some(d.label_id),
            "allow",
            "",
        )
        .await;
    let versions = state.store.document_versions(&id, &v.readable).await?;
    let banner = banner(&state, &v, &[&d.label], lang).await;
    let csrf = v.csrf.clone().unwrap_or_default();
    let mut rows = String::new();
    for (n, sha, size, by, at) in &versions {
        rows.push_str(&format!(
            "<tr><td>{n}</td><td><code>{}</code></td><td>{size}</td><td>{}</td><td>{}</td></tr>",
            esc(sha),
            esc(by),
            esc(at)
        ));
    }
    let mut body = format!(
        "<p><a href=\"/documents/{}/download\">{download} {}</a> ({} B, {})</p><h2>{versions}</h2><table><thead><tr><th>#</th><th>SHA-256</th><th>B</th><th>{user}</th><th>{uploaded}</th></tr></thead><tbody>{rows}</tbody></table>\
         <h2>{new_version}</h2><form method=\"post\" action=\"/documents/{}/versions\" enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><label>{file}<input type=\"file\" name=\"file\" required></label><button>{upload}</button></form>",
        esc(&d.id),
        esc(&d.filename),
        d.size,
        esc(&d.media_type),
        esc(&d.id),
        esc(&csrf),
        download = lang.t("download"),
        versions = lang.t("versions"),
        user = lang.t("user"),
        uploaded = lang.t("uploaded"),
        new_version = lang.t("new_version"),
        file = lang.t("file"),
        upload = lang.t("upload"),
    );
    body.push_str(&format!(
        "<h2>Label</h2><form method=\"post\" action=\"/documents/{}/label\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>Label (JSON)<textarea name=\"label\" rows=\"4\" cols=\"80\">{}</textarea></label>\
         <label>Technology areas of the content (for a release: area ids, comma-separated)<input name=\"areas\"></label>\
         <button>Change the label</button></form>",
        esc(&d.id),
        esc(&csrf),
        esc(&d.label.to_json())
    ));
    Ok(viewer_page(lang, &banner, &v, &d.title, &body, set_lang))
}

/// The current version's content (404 when not visible).
pub async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    let Some(v) = viewer(&state, &headers).await? else {
        return Ok(unauthorized());
    };
    let Some(d) = state.store.document(&id, &v.readable).await? else {
        return Ok((StatusCode::NOT_FOUND, "not found").into_response());
    };
    let bytes = state.blobs.get(&d.sha256)?;
    state
        .audit(
            &v.person.id,
            "download",
            &format!("document:{id}"),
            Some(d.label_id),
            "allow",
            &d.sha256,
        )
        .await;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        d.filename.replace(['"', '\\', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, d.media_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// Upload a new version of a visible document (its label stays).
pub async fn new_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, ServerError> {
    let (v, parts) = match signed_upload(&state, &headers, multipart).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let Some(d) = state.store.document(&id, &v.readable).await? else {
        return Ok((StatusCode::NOT_FOUND, "not found").into_response());
    };
    if !state.may_write(&v.person, &d.label).await? {
        return Ok((
            StatusCode::FORBIDDEN,
            "your clearance does not satisfy the document's label",
        )
            .into_response());
    }
    let Some((filename, media_type, bytes)) = parts.file else {
        return Ok(bad_request("field `file`: a file is required"));
    };
    let sha = state.blobs.put(&bytes)?;
    let text = searchable_text(&filename, &media_type, &bytes).await?;
    let upload = Upload {
        sha256: &sha,
        size: bytes.len() as i64,
        media_type: &media_type,
        filename: &filename,
        text: &text,
    };
    if state
        .store
        .new_document_version(&id, &v.readable, &v.person.id, &now(), &upload)
        .await?
        .is_none()
    {
        return Ok((StatusCode::NOT_FOUND, "not found").into_response());
    }
    state
        .audit(
            &v.person.id,
            "edit",
            &format!("document:{id}"),
            Some(d.label_id),
            "allow",
            &sha,
        )
        .await;
    Ok(Redirect::to(&format!("/documents/{id}")).into_response())
}

/// Search as JSON.
pub async fn api_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ServerError> {
    let Some(v) = viewer(&state, &headers).await? else {
        return Ok(unauthorized());
    };
    let query = q.get("q").cloned().unwrap_or_default();
    let hits = state
        .store
        .search_documents(&query, &v.readable, 100)
        .await?;
    let docs = hits.documents;
    let labels: Vec<&Label> = docs.iter().map(|d| &d.label).collect();
    let (marking, _) = banner(&state, &v, &labels, Lang::En).await;
    Ok(Json(json!({
        "marking": marking,
        "count": docs.len(),
        "broad": hits.broad,
        "items": docs
    }))
    .into_response())
}

/// The outcome of a relabelling, for the page and the audit entry.
fn release_page(
    lang: Lang,
    banner: &(String, String),
    v: &Viewer,
    title: &str,
    body: &str,
    status: StatusCode,
) -> Response {
    let csrf = v.csrf.clone().unwrap_or_default();
    (status, page(lang, banner, Some((v, &csrf)), title, body)).into_response()
}

/// Relabel a document. Raising (or keeping) the label needs the author's clearance to satisfy
/// the new label. Lowering it is a release decision: the release-authority role, and an
/// agreement in force covering every nation released to and every technology area given —
/// otherwise the gaps are shown and nothing changes. Every attempt is audited with the labels
/// before and after.
pub async fn relabel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, ServerError> {
    let lang = crate::lang_of(&headers);
    let Some(v) = viewer(&state, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    if !v.form_csrf_ok(form.get("csrf").map(String::as_str)) {
        return Ok((StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response());
    }
    let Some(d) = state.store.document(&id, &v.readable).await? else {
        return Ok(not_found(lang));
    };
    let new_label = match form.get("label").map(|l| Label::from_json(l.trim())) {
        Some(Ok(l)) => l,
        Some(Err(e)) => return Ok(bad_request(&format!("field `label`: {e}"))),
        None => return Ok(bad_request("field `label`: required")),
    };
    let set = state.policies().await?;
    let (Ok(old), Ok(new)) = (set.resolve(&d.label), set.resolve(&new_label)) else {
        return Ok(bad_request(
            "field `label`: it names something the loaded policies do not define",
        ));
    };
    let errors = set.validate(&new);
    if !errors.is_empty() {
        return Ok(bad_request(&format!(
            "field `label`: not valid: {}",
            errors.join("; ")
        )));
    }
    let lowering = match set.is_lowering(&old, &new) {
        Ok(l) => l,
        Err(e) => return Ok(bad_request(&format!("field `label`: {e}"))),
    };
    let before_after = format!(
        "before {} | after {}",
        set.banner(&old, "en"),
        set.banner(&new, "en")
    );
    let object = format!("document:{id}");
    let banner = banner(&state, &v, &[&d.label], lang).await;
    if !lowering {
        if !state.may_write(&v.person, &new_label).await? {
            state
                .audit(
                    &v.person.id,
                    "relabel",
                    &object,
                    Some(d.label_id),
                    "deny",
                    &before_after,
                )
                .await;
            return Ok((
                StatusCode::FORBIDDEN,
                "your clearance does not satisfy the new label",
            )
                .into_response());
        }
        state
            .store
            .relabel_document(&id, &v.readable, &new_label)
            .await?;
        state
            .audit(
                &v.person.id,
                "relabel",
                &object,
                Some(d.label_id),
                "allow",
                &before_after,
            )
            .await;
        return Ok(Redirect::to(&format!("/documents/{id}")).into_response());
    }
    // Lowering: a release decision.
    if !v
        .person
        .roles
        .contains(&pillar_core::Role::ReleaseAuthority)
    {
        state
            .audit(
                &v.person.id,
                "release",
                &object,
                Some(d.label_id),
                "deny",
                &format!("not a release authority; {before_after}"),
            )
            .await;
        return Ok(release_page(lang, &banner, &v, &d.title, "<p class=\"error\" role=\"alert\">Lowering a label is a release decision: it needs the release-authority role.</p>", StatusCode::FORBIDDEN));
    }
    let areas: Vec<String> = form
        .get("areas")
        .map(|a| {
            a.split([',', ';', ' '])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if areas.is_empty() {
        return Ok(bad_request(
            "field `areas`: a release names the technology areas of what is released",
        ));
    }
    let nations = state.store.nations().await?;
    // Released to: the new label's Releasable To values; with none, every registry nation.
    let mut release_to: Vec<pillar_core::NationCode> = set
        .to_label(&new)
        .categories
        .iter()
        .filter(|c| c.tag_name == "Releasable To")
        .flat_map(|c| c.values.iter())
        .filter_map(|v| match v {
            pillar_label::CategoryValue::Generic(g) => pillar_core::NationCode::parse(g).ok(),
            _ => None,
        })
        .collect();
    if release_to.is_empty() {
        release_to = nations
            .iter()
            .filter(|n| n.members.is_empty())
            .map(|n| n.code.clone())
            .collect();
    }
    // Only agreements the release authority may read are named or counted.
    let agreements = crate::portfolio::visible_agreements(&state, &v).await?;
    let tree = state.store.tech_areas().await?;
    let today = chrono::Utc::now().date_naive();
    let cover =
        pillar_readiness::coverage(&agreements, &nations, &tree, &release_to, &areas, today);
    let covered: String = cover
        .covered
        .iter()
        .map(|c| {
            format!(
                "<li>{} / {}: {}</li>",
                esc(&c.nation),
                esc(&c.area),
                esc(&c.agreements.join(", "))
            )
        })
        .collect();
    if !cover.complete() {
        let gaps: String = cover
            .gaps
            .iter()
            .map(|(n, a)| format!("<li>{} / {}</li>", esc(n), esc(a)))
            .collect();
        state
            .audit(
                &v.person.id,
                "release",
                &object,
                Some(d.label_id),
                "deny",
                &format!("no agreement covers {:?}; {before_after}", cover.gaps),
            )
            .await;
        let body = format!("<p class=\"error\" role=\"alert\">No agreement in force covers this release. Gaps (nation / area):</p><ul>{gaps}</ul><p>Covered:</p><ul>{covered}</ul>");
        return Ok(release_page(
            lang,
            &banner,
            &v,
            &d.title,
            &body,
            StatusCode::CONFLICT,
        ));
    }
    state
        .store
        .relabel_document(&id, &v.readable, &new_label)
        .await?;
    let used: Vec<String> = cover
        .covered
        .iter()
        .flat_map(|c| c.agreements.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    state
        .audit(
            &v.person.id,
            "release",
            &object,
            Some(d.label_id),
            "allow",
            &format!("{before_after}; agreements {}", used.join(", ")),
        )
        .await;
    let body = format!("<p role=\"status\">Released: {}.</p><p>Covered by (nation / area: agreements):</p><ul>{covered}</ul><p><a href=\"/documents/{}\">Back</a></p>", esc(&before_after), esc(&id));
    Ok(release_page(
        lang,
        &banner,
        &v,
        &d.title,
        &body,
        StatusCode::OK,
    ))
}
