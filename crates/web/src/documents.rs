//! Documents: upload with a label (the author's clearance must satisfy it), versions, download
//! and full-text search — all through the store's label-filtered queries.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use pillar_label::Label;
use pillar_store::documents::{DocumentInfo, Upload};
use serde_json::json;

use crate::auth::new_secret;
use crate::i18n::refusal_text;
use crate::i18n::Key;
use crate::i18n::Lang;
use crate::pages::{marking, render, signed_chrome, Chrome};
use crate::request::{ApiError, Caller, Language, PageError, Signed, SignedForm};
use crate::{now, AppState, ServerError, Viewer};
use pillar_core::stewardship::{self, Origin};
use pillar_store::audit::AuditEvent;

/// A form field listing ids, separated by commas, semicolons or spaces.
fn id_list(field: Option<&String>) -> Vec<String> {
    field
        .map(|t| {
            t.split([',', ';', ' '])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A file name safe to hand back: its base name (no directories, no `..`), without control
/// characters or the bidirectional formatting characters that make `cod.exe` look like
/// `exe.doc` (U+202E and its kin); `download` when nothing is left.
pub fn safe_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let bidi = |c: char| matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !bidi(*c))
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "download".into()
    } else {
        clean
    }
}

/// `Content-Disposition` for a download (RFC 6266): an ASCII `filename` for old clients and
/// `filename*` in UTF-8 (RFC 8187) for the name as it was given.
pub fn content_disposition(name: &str) -> String {
    let name = safe_filename(name);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Text to index: plain text and Markdown as they are (UTF-8, lossy); the text of a PDF
/// (pdf-extract); nothing for other formats (indexed by title only). NUL characters, which
/// PostgreSQL's text cannot hold and which carry no words, are dropped.
pub fn extract_text(filename: &str, media_type: &str, bytes: &[u8]) -> String {
    let mut text = extract_any_text(filename, media_type, bytes);
    text.retain(|c| c != '\0');
    text
}

fn extract_any_text(filename: &str, media_type: &str, bytes: &[u8]) -> String {
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

/// Whether an uploaded file is a TDF to import: named `….tdf`, a zip archive.
fn is_tdf(name: &str, bytes: &[u8]) -> bool {
    name.to_ascii_lowercase().ends_with(".tdf") && name.len() > 4 && bytes.starts_with(b"PK")
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

pub(crate) struct Parts {
    pub(crate) fields: HashMap<String, String>,
    pub(crate) file: Option<(String, String, Vec<u8>)>,
}

/// Why an upload could not be read: a status and a message for the person.
type PartsError = (StatusCode, String);

fn parts_error(e: axum::extract::multipart::MultipartError) -> PartsError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the upload is larger than the {} MiB accepted",
                crate::MAX_UPLOAD >> 20
            ),
        )
    } else {
        (
            StatusCode::BAD_REQUEST,
            format!("cannot read the upload: {}", e.body_text()),
        )
    }
}

async fn read_parts(mut m: Multipart) -> Result<Parts, PartsError> {
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(field) = m.next_field().await.map_err(parts_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let filename = safe_filename(field.file_name().unwrap_or("upload"));
            let ct = field.content_type().map(str::to_string);
            let bytes = field.bytes().await.map_err(parts_error)?;
            if bytes.len() > crate::MAX_UPLOAD {
                return Err((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the file is larger than the {} MiB accepted",
                        crate::MAX_UPLOAD >> 20
                    ),
                ));
            }
            file = Some((
                filename.clone(),
                media_type_of(&filename, ct.as_deref()),
                bytes.to_vec(),
            ));
        } else {
            let text = field.text().await.map_err(parts_error)?;
            if text.contains('\0') {
                return Err((
                    StatusCode::BAD_REQUEST,
                    format!("field `{name}`: NUL characters are not accepted"),
                ));
            }
            fields.insert(name, text);
        }
    }
    Ok(Parts { fields, file })
}

/// The reader's documents matching `query` (the newest hundred without one), best first; a
/// search is audited, from the page and the API alike.
async fn search(
    state: &AppState,
    v: &Viewer,
    query: &str,
) -> Result<pillar_store::documents::SearchHits, ServerError> {
    let hits = state
        .store
        .reader(&v.readable)
        .search_documents(query, 100)
        .await?;
    if !query.is_empty() {
        // Neither the query nor the number of hits: an administrator of lower clearance reads
        // this entry.
        state
            .audit(&v.person.id, "search", "documents", None, "allow", "")
            .await;
    }
    Ok(hits)
}

/// The documents page: search (or the newest) and the upload form.
pub async fn list(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let set = state.policies_for(&v).await?;
    let form = UploadForm {
        chosen: crate::picker::Chosen::from_fields(&set, &HashMap::new()),
        ..UploadForm::default()
    };
    documents_page(
        &state,
        &v,
        lang,
        q.get("q").map_or("", String::as_str),
        form,
    )
    .await
}

/// What the upload form shows: empty, or what was entered with the preview or the error.
#[derive(Default)]
struct UploadForm {
    title: String,
    stewards: String,
    chosen: crate::picker::Chosen,
    /// The marking preview, or why the label cannot be used.
    preview: Option<Result<String, String>>,
    /// What is wrong with the rest of the form.
    error: Option<String>,
}

/// The documents page with `form` in its upload form.
async fn documents_page(
    state: &AppState,
    v: &Viewer,
    lang: Lang,
    query: &str,
    form: UploadForm,
) -> Result<Response, PageError> {
    let hits = search(state, v, query).await?;
    let docs = &hits.documents;
    let set = state.policies_for(v).await?;
    let labels: Vec<&Label> = docs.iter().map(|d| &d.label).collect();
    let chrome = signed_chrome(state, v, lang, &labels, lang.t(Key::Documents)).await;
    // A snippet of each result's text around the first word of the query found in it.
    let texts = if query.trim().is_empty() {
        HashMap::new()
    } else {
        state.store.reader(&v.readable).document_texts(docs).await?
    };
    let rows = docs
        .iter()
        .map(|d| {
            let portion = set
                .resolve(&d.label)
                .map(|r| set.portion(&r, lang.tag()))
                .unwrap_or_default();
            let snippet = texts.get(&d.id).and_then(|t| snippet(t, query));
            (portion, d, snippet)
        })
        .collect();
    let picker = crate::picker::picker(&set, v, lang, &form.chosen, form.preview.clone());
    Ok(render(&DocumentsPage {
        chrome,
        csrf: v.csrf.clone().unwrap_or_default(),
        query,
        broad: hits.broad,
        rows,
        picker,
        form,
    }))
}

/// Text around a match: what comes before, the matched word as written, what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snippet {
    /// Text before the match ("…" first when cut).
    pub before: String,
    /// The match.
    pub hit: String,
    /// Text after the match ("…" last when cut).
    pub after: String,
}

/// The text around the first place `text` holds one of the query's words (case-insensitive;
/// operators and quotes ignored), about ten words either side; `None` when none is found (the
/// match was in the title, or a word's other form).
pub(crate) fn snippet(text: &str, query: &str) -> Option<Snippet> {
    const BEFORE: usize = 60;
    const AFTER: usize = 140;
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths: search in the lower-cased text only when it kept
    // them (then its offsets are the original's), else give no snippet.
    if lower.len() != text.len() {
        return None;
    }
    let (start, len) = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .filter(|w| !matches!(*w, "AND" | "OR" | "NOT" | "NEAR"))
        .filter_map(|w| {
            let w = w.to_lowercase();
            lower.find(&w).map(|at| (at, w.len()))
        })
        .min()?;
    // Cut at whitespace, on character boundaries.
    let mut from = start.saturating_sub(BEFORE);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    if from > 0 {
        from = text[from..start]
            .find(char::is_whitespace)
            .map_or(from, |i| from + i + 1);
    }
    let mut to = (start + len + AFTER).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    if to < text.len() {
        to = text[start + len..to]
            .rfind(char::is_whitespace)
            .map_or(to, |i| start + len + i);
    }
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut before = squash(&text[from..start]);
    if !before.is_empty() && text[from..start].ends_with(char::is_whitespace) {
        before.push(' ');
    }
    let mut after = squash(&text[start + len..to]);
    if text[start + len..to].starts_with(char::is_whitespace) {
        after.insert(0, ' ');
    }
    if from > 0 {
        before.insert(0, '…');
    }
    if to < text.len() {
        after.push('…');
    }
    Some(Snippet {
        before,
        hit: text[start..start + len].to_string(),
        after,
    })
}

/// The documents page (`templates/documents.html`).
#[derive(askama::Template)]
#[template(path = "documents.html")]
struct DocumentsPage<'a> {
    chrome: Chrome,
    csrf: String,
    query: &'a str,
    /// More matched than are ranked: the newest are listed, and the page says so.
    broad: bool,
    /// Each document with its portion marking and, for a search, a snippet of its text.
    rows: Vec<(String, &'a DocumentInfo, Option<Snippet>)>,
    /// The label picker (HTML, from `picker::picker`).
    picker: String,
    form: UploadForm,
}

/// A signed-in person's upload: a readable multipart body carrying the session's CSRF token.
/// Without a session the person is sent to sign in; a body too large is a 413 that says the
/// limit; without the token, a 403.
pub struct SignedUpload(pub(crate) Viewer, pub(crate) Parts);

impl axum::extract::FromRequest<AppState> for SignedUpload {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut head, body) = req.into_parts();
        let Signed(v) = Signed::from_request_parts(&mut head, state).await?;
        let multipart = <Multipart as axum::extract::FromRequest<AppState>>::from_request(
            axum::extract::Request::from_parts(head, body),
            state,
        )
        .await
        .map_err(IntoResponse::into_response)?;
        let parts = read_parts(multipart)
            .await
            .map_err(|(status, message)| (status, message).into_response())?;
        if !v.form_csrf_ok(parts.fields.get("csrf").map(String::as_str)) {
            return Err((StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response());
        }
        Ok(SignedUpload(v, parts))
    }
}

/// Upload a new document.
pub async fn upload(
    State(state): State<AppState>,
    Language(lang): Language,
    SignedUpload(v, parts): SignedUpload,
) -> Result<Response, PageError> {
    let set = state.policies().await?;
    let mut form = UploadForm {
        title: parts
            .fields
            .get("title")
            .map(|t| t.trim().to_string())
            .unwrap_or_default(),
        stewards: parts.fields.get("stewards").cloned().unwrap_or_default(),
        chosen: crate::picker::Chosen::from_fields(&set, &parts.fields),
        ..UploadForm::default()
    };
    // The form again, with what was entered, the preview or what is wrong (a file input
    // cannot be filled in again: the page asks for the file once more).
    let again = |form: UploadForm, status: StatusCode| {
        let (state, v) = (&state, &v);
        async move {
            let page = documents_page(state, v, lang, "", form).await?;
            Ok::<Response, PageError>((status, page).into_response())
        }
    };
    let label = form.chosen.label(&set);
    if parts.fields.contains_key("preview") {
        form.preview = Some(form.chosen.preview(&set, lang));
        return again(form, StatusCode::OK).await;
    }
    // A TDF becomes a document under the label it carries, its content obtained through the
    // key access service's decision for the uploader.
    let mut parts = parts;
    let imported = match &parts.file {
        Some((name, _, bytes)) if is_tdf(name, bytes) && state.kas.is_some() => {
            match crate::kas::import(&state, &v, bytes).await {
                Ok(i) => Some(i),
                Err(e) => {
                    form.error = Some(format!("field `file`: {e}"));
                    return again(form, StatusCode::BAD_REQUEST).await;
                }
            }
        }
        _ => None,
    };
    let label = match (imported, label) {
        (Some(i), _) => {
            if let Some((name, media, bytes)) = &mut parts.file {
                let plain_name = name.len() - ".tdf".len();
                name.truncate(plain_name);
                *media = media_type_of(name, Some(&i.media_type));
                *bytes = i.plain;
            }
            i.label
        }
        (None, Ok(l)) => l,
        (None, Err(e)) => {
            form.preview = Some(Err(e));
            return again(form, StatusCode::BAD_REQUEST).await;
        }
    };
    if form.title.is_empty() {
        form.error = Some("field `title`: a title is required".into());
        return again(form, StatusCode::BAD_REQUEST).await;
    }
    let Some((filename, media_type, bytes)) = parts.file else {
        form.error = Some("field `file`: a file is required".into());
        return again(form, StatusCode::BAD_REQUEST).await;
    };
    let stewards = id_list(parts.fields.get("stewards"));
    for s in &stewards {
        // Only people the uploader may see can be named (else the answer would tell them that
        // a hidden person exists).
        if state
            .store
            .reader(&v.readable)
            .person_id(s)
            .await?
            .is_none()
        {
            form.error = Some(format!(
                "field `stewards`: `{s}` is not a person in the registry"
            ));
            return again(form, StatusCode::BAD_REQUEST).await;
        }
    }
    if let Err(refusal) = stewardship::may_create(&v.person) {
        state
            .audit(
                &v.person.id,
                "create",
                "document",
                None,
                "deny",
                &refusal.to_string(),
            )
            .await;
        return Err(PageError::Forbidden(refusal_text(lang, &refusal)));
    }
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
        form.preview = Some(Err(lang.t(Key::ClearanceShort).to_string()));
        return again(form, StatusCode::FORBIDDEN).await;
    }
    let title = form.title;
    let sha = state.blobs.put(&bytes).await?;
    let text = searchable_text(&filename, &media_type, &bytes).await?;
    let id = new_secret()[..16].to_string();
    let upload = Upload {
        sha256: &sha,
        size: bytes.len() as i64,
        media_type: &media_type,
        filename: &filename,
        text: &text,
    };
    let origin = Origin::of(&v.person, stewards);
    // The entry carries the document's label, so that the audit page shows it only to
    // administrators cleared for it; it is written in the document's own transaction.
    let entry = AuditEvent::new(
        &v.person.id,
        "create",
        &format!("document:{id}"),
        "allow",
        &sha,
    );
    state
        .store
        .create_document(
            &id,
            &title,
            &label,
            &origin,
            &v.person.id,
            &now(),
            &upload,
            &entry,
        )
        .await?;
    Ok(Redirect::to(&format!("/documents/{id}")).into_response())
}

/// A document's page (404 when not visible).
pub async fn show(
    State(state): State<AppState>,
    Signed(v): Signed,
    Language(lang): Language,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let object = format!("document:{id}");
    let found = state.store.reader(&v.readable).document(&id);
    let Some(d) = state.read(&v, &object, "", found).await? else {
        return Err(PageError::NotFound);
    };
    let set = state.policies_for(&v).await?;
    let chosen = crate::picker::Chosen::of_label(&set, &d.label);
    document_page(&state, &v, lang, &d, &chosen, None).await
}

/// A document's page, its relabelling form showing `chosen` and `preview` (the marking, or
/// why the label cannot be used).
async fn document_page(
    state: &AppState,
    v: &Viewer,
    lang: Lang,
    d: &DocumentInfo,
    chosen: &crate::picker::Chosen,
    preview: Option<Result<String, String>>,
) -> Result<Response, PageError> {
    let versions = state
        .store
        .reader(&v.readable)
        .document_versions(&d.id)
        .await?;
    let origin = crate::pages::origin_line(state, v, lang, &d.origin).await?;
    let set = state.policies_for(v).await?;
    Ok(render(&DocumentPage {
        chrome: signed_chrome(state, v, lang, &[&d.label], &d.title).await,
        csrf: v.csrf.clone().unwrap_or_default(),
        origin,
        // Its keepers see how to withdraw it.
        keeper: stewardship::may_change(&v.person, &d.origin).is_ok(),
        tdf: state.kas.is_some(),
        picker: crate::picker::picker(&set, v, lang, chosen, preview),
        max_reason: MAX_REASON,
        versions,
        d,
    }))
}

/// A document's page (`templates/document.html`).
#[derive(askama::Template)]
#[template(path = "document.html")]
struct DocumentPage<'a> {
    chrome: Chrome,
    csrf: String,
    /// The "originated by" line (HTML, from `origin_line`).
    origin: String,
    keeper: bool,
    /// Whether "Download as TDF" is offered (the server runs a key access service).
    tdf: bool,
    /// The label picker (HTML, from `picker::picker`), showing the current label.
    picker: String,
    max_reason: usize,
    versions: Vec<(i64, String, i64, String, String)>,
    d: &'a DocumentInfo,
}

/// The current version's content (404 when not visible).
pub async fn download(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(d) = state.store.reader(&v.readable).document(&id).await? else {
        return Err(ApiError::NotFound);
    };
    let reader = state.blobs.open(&d.sha256).await?;
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
    let disposition = content_disposition(&d.filename);
    Ok((
        [
            (header::CONTENT_TYPE, d.media_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, reader.size().to_string()),
        ],
        // Streamed a chunk at a time: a blob that fails its hash check ends the response
        // early (an error, never a whole file that is not what was stored).
        axum::body::Body::from_stream(futures_util::stream::unfold(Some(reader), |r| async move {
            let mut r = r?;
            match r.next().await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(r))),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!("download: {e}");
                    Some((Err(e), None))
                }
            }
        })),
    )
        .into_response())
}

/// Document `id` as `v` may change it (`action` names the change in the audit log): readable
/// (else 404), not withdrawn (409), kept by them — stewardship, a refusal audited (403) — and
/// under a label their clearance satisfies (403). `Err` is the refusal to send.
async fn changeable(
    state: &AppState,
    v: &Viewer,
    lang: Lang,
    id: &str,
    action: &str,
) -> Result<DocumentInfo, PageError> {
    let Some(d) = state.store.reader(&v.readable).document(id).await? else {
        return Err(PageError::NotFound);
    };
    if d.withdrawn.is_some() {
        return Err(PageError::Conflict(
            lang.t(Key::WithdrawnConflict).to_string(),
        ));
    }
    if let Err(refusal) = stewardship::may_change(&v.person, &d.origin) {
        state
            .audit(
                &v.person.id,
                action,
                &format!("document:{id}"),
                Some(d.label_id),
                "deny",
                &refusal.to_string(),
            )
            .await;
        return Err(PageError::Forbidden(refusal_text(lang, &refusal)));
    }
    if !state.may_write(&v.person, &d.label).await? {
        return Err(PageError::Forbidden(
            "your clearance does not satisfy the document's label".into(),
        ));
    }
    Ok(d)
}

/// Upload a new version of a visible document (its label stays).
pub async fn new_version(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedUpload(v, parts): SignedUpload,
) -> Result<Response, PageError> {
    changeable(&state, &v, lang, &id, "edit").await?;
    let object = format!("document:{id}");
    let Some((filename, media_type, bytes)) = parts.file else {
        return Err(PageError::BadRequest(
            "field `file`: a file is required".into(),
        ));
    };
    let sha = state.blobs.put(&bytes).await?;
    let text = searchable_text(&filename, &media_type, &bytes).await?;
    let upload = Upload {
        sha256: &sha,
        size: bytes.len() as i64,
        media_type: &media_type,
        filename: &filename,
        text: &text,
    };
    let entry = AuditEvent::new(&v.person.id, "edit", &object, "allow", &sha);
    match state
        .store
        .new_document_version(&id, &v.readable, &v.person.id, &now(), &upload, &entry)
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => return Err(PageError::NotFound),
        // Withdrawn between the check above and the write.
        Err(pillar_store::StoreError::Refused(_)) => {
            return Err(PageError::Conflict(
                lang.t(Key::WithdrawnConflict).to_string(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/documents/{id}")).into_response())
}

/// The longest withdrawal reason kept.
const MAX_REASON: usize = 2_000;

/// `POST /documents/{id}/withdraw`: its keepers withdraw a document (stewardship, as any other
/// change), giving a reason; it stays readable, marked, and nothing changes it afterwards.
pub async fn withdraw(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    changeable(&state, &v, lang, &id, "withdraw").await?;
    let object = format!("document:{id}");
    let reason = form.get("reason").map(|r| r.trim()).unwrap_or("");
    if reason.is_empty() {
        return Err(PageError::BadRequest(
            "field `reason`: say why the document is withdrawn".into(),
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(PageError::BadRequest(format!(
            "field `reason`: at most {MAX_REASON} characters"
        )));
    }
    let at = now();
    let entry = AuditEvent::new(&v.person.id, "withdraw", &object, "allow", reason);
    if !state
        .store
        .withdraw_document(&id, &v.readable, &v.person.id, &at, reason, &entry)
        .await?
    {
        // Withdrawn by someone else meanwhile.
        return Err(PageError::Conflict(
            lang.t(Key::WithdrawnConflict).to_string(),
        ));
    }
    Ok(Redirect::to(&format!("/documents/{id}")).into_response())
}

/// Search as JSON.
#[utoipa::path(get, path = "/api/documents", tag = "documents",
    params(("q" = Option<String>, Query, description = "words that must all occur in the title or the text; without it, the newest"), crate::api::Paging),
    responses((status = 200, description = "the visible documents, best first", body = crate::api::DocumentListing),
              (status = 400, description = "a limit or offset out of range", body = crate::api::Refusal)))]
pub async fn api_list(
    State(state): State<AppState>,
    Caller(v): Caller,
    Query(q): Query<HashMap<String, String>>,
    paged: crate::request::Paged,
) -> Result<Response, ApiError> {
    let hits = search(&state, &v, q.get("q").map_or("", String::as_str)).await?;
    let (docs, window) = paged.slice(hits.documents);
    let labels: Vec<&Label> = docs.iter().map(|d| &d.label).collect();
    let marking = marking(&state, &v, &labels).await;
    // Each origin as this reader may be shown it (an organisation or steward they may not see
    // is not named); documents share few origins, each looked up once.
    let mut shown: HashMap<String, serde_json::Value> = HashMap::new();
    let mut items = Vec::with_capacity(docs.len());
    for d in &docs {
        let key = serde_json::to_string(&d.origin).expect("origins serialise");
        if !shown.contains_key(&key) {
            let o = state
                .store
                .reader(&v.readable)
                .shown_origin(&d.origin)
                .await?;
            shown.insert(key.clone(), json!(o));
        }
        let mut item = json!(d);
        item["origin"] = shown[&key].clone();
        items.push(item);
    }
    Ok(Json(crate::api::DocumentListing {
        marking,
        count: items.len(),
        window,
        broad: hits.broad,
        items,
    })
    .into_response())
}

/// Relabel a document. Raising (or keeping) the label needs the author's clearance to satisfy
/// the new label. Lowering it is a release decision: the release-authority role, and an
/// agreement in force covering every nation released to and every technology area given —
/// otherwise the gaps are shown and nothing changes. Every attempt is audited with the labels
/// before and after.
pub async fn relabel(
    State(state): State<AppState>,
    Language(lang): Language,
    Path(id): Path<String>,
    SignedForm(v, form): SignedForm,
) -> Result<Response, PageError> {
    let Some(d) = state.store.reader(&v.readable).document(&id).await? else {
        return Err(PageError::NotFound);
    };
    if d.withdrawn.is_some() {
        return Err(PageError::Conflict(
            lang.t(Key::WithdrawnConflict).to_string(),
        ));
    }
    let set = state.policies().await?;
    // The label from the picker (or its JSON text); a preview or a label that cannot be used
    // shows the page again with what was chosen.
    let chosen = crate::picker::Chosen::from_fields(&set, &form);
    if form.contains_key("preview") {
        let preview = Some(chosen.preview(&set, lang));
        return document_page(&state, &v, lang, &d, &chosen, preview).await;
    }
    let new_label = match chosen.label(&set) {
        Ok(l) => l,
        Err(e) => {
            let page = document_page(&state, &v, lang, &d, &chosen, Some(Err(e))).await?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let (Ok(old), Ok(new)) = (set.resolve(&d.label), set.resolve(&new_label)) else {
        return Err(PageError::BadRequest(
            "field `label`: it names something the loaded policies do not define".into(),
        ));
    };
    let lowering = match set.is_lowering(&old, &new) {
        Ok(l) => l,
        Err(e) => return Err(PageError::BadRequest(format!("field `label`: {e}"))),
    };
    let before_after = format!(
        "before {} | after {}",
        set.banner(&old, "en"),
        set.banner(&new, "en")
    );
    let object = format!("document:{id}");
    // The entry of a relabelling carries the higher of the two labels: only those who could
    // read the document both before and after see it.
    let entry_label = match set.dominant(&[old.clone(), new.clone()], None) {
        pillar_label::Dominance::Ok(r) => set.to_label(&r),
        _ if lowering => d.label.clone(),
        _ => new_label.clone(),
    };
    let at = now();
    let deny = |detail: String| {
        let state = state.clone();
        let (actor, object, entry_label) =
            (v.person.id.clone(), object.clone(), entry_label.clone());
        let action = if lowering { "release" } else { "relabel" };
        async move {
            let e = AuditEvent::new(&actor, action, &object, "deny", &detail);
            if let Err(err) = state.store.audit_labelled(&now(), &e, &entry_label).await {
                tracing::error!("audit append failed: {err}");
            }
        }
    };
    if !lowering {
        if let Err(refusal) = stewardship::may_change(&v.person, &d.origin) {
            deny(format!("{refusal}; {before_after}")).await;
            return Err(PageError::Forbidden(refusal_text(lang, &refusal)));
        }
        if !state.may_write(&v.person, &new_label).await? {
            deny(format!(
                "clearance does not satisfy the new label; {before_after}"
            ))
            .await;
            let refused = Some(Err(lang.t(Key::ClearanceShort).to_string()));
            let page = document_page(&state, &v, lang, &d, &chosen, refused).await?;
            return Ok((StatusCode::FORBIDDEN, page).into_response());
        }
        let entry = AuditEvent::new(&v.person.id, "relabel", &object, "allow", &before_after);
        match state
            .store
            .relabel_document(&id, &v.readable, &new_label, &at, &entry, &entry_label)
            .await
        {
            Err(pillar_store::StoreError::Refused(_)) => {
                return Err(PageError::Conflict(
                    lang.t(Key::WithdrawnConflict).to_string(),
                ))
            }
            other => other?,
        };
        return Ok(Redirect::to(&format!("/documents/{id}")).into_response());
    }
    // Lowering: a release decision, the originating nation's (the originator's release rule).
    let (state_ref, v_ref, d_ref, id_ref) = (&state, &v, &d, &id);
    let release_page = move |outcome: Release, coverage: String, status: StatusCode| async move {
        let page = ReleasePage {
            chrome: signed_chrome(state_ref, v_ref, lang, &[&d_ref.label], &d_ref.title).await,
            id: id_ref,
            outcome,
            coverage,
        };
        (status, render(&page)).into_response()
    };
    if let Err(refusal) = stewardship::may_release(&v.person, &d.origin) {
        deny(format!("{refusal}; {before_after}")).await;
        let text = refusal_text(lang, &refusal);
        return Ok(
            release_page(Release::Refused(text), String::new(), StatusCode::FORBIDDEN).await,
        );
    }
    let areas = id_list(form.get("areas"));
    if areas.is_empty() {
        return Err(PageError::BadRequest(
            "field `areas`: a release names the technology areas of what is released".into(),
        ));
    }
    // Agreements in force must cover every nation released to in every area named.
    let cover = state
        .store
        .reader(&v.readable)
        .release_coverage(&new_label, &areas, state.today())
        .await?;
    let names = crate::names::Names::load(&state, &v, lang).await?;
    let coverage = crate::portfolio::coverage_list(&cover, &names);
    if !cover.complete() {
        deny(format!(
            "no agreement covers {:?}; {before_after}",
            cover.gaps
        ))
        .await;
        return Ok(release_page(Release::Uncovered, coverage, StatusCode::CONFLICT).await);
    }
    let used: Vec<String> = cover
        .covered
        .iter()
        .flat_map(|c| c.agreements.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let entry = AuditEvent::new(
        &v.person.id,
        "release",
        &object,
        "allow",
        &format!("{before_after}; agreements {}", used.join(", ")),
    );
    match state
        .store
        .relabel_document(&id, &v.readable, &new_label, &at, &entry, &entry_label)
        .await
    {
        Err(pillar_store::StoreError::Refused(_)) => {
            return Err(PageError::Conflict(
                lang.t(Key::WithdrawnConflict).to_string(),
            ))
        }
        other => other?,
    };
    Ok(release_page(Release::Done(before_after), coverage, StatusCode::OK).await)
}

/// The outcome of a release decision (`templates/release.html`), under the document's label
/// before the change.
#[derive(askama::Template)]
#[template(path = "release.html")]
struct ReleasePage<'a> {
    chrome: Chrome,
    id: &'a str,
    outcome: Release,
    /// Agreement coverage (HTML, from `templates/coverage.html`); empty when refused.
    coverage: String,
}

/// How a release decision ended.
enum Release {
    /// The reader may not release it (why, in their language).
    Refused(String),
    /// No agreement in force covers every nation and area.
    Uncovered,
    /// Released: the labels before and after.
    Done(String),
}

#[cfg(test)]
mod snippet_tests {
    use super::*;

    #[test]
    fn a_snippet_shows_the_first_match_in_context() {
        let text = "The trial at Jervis Bay measured how the hydrophone array held \
                    its calibration across three tides. Drift stayed under 2 dB.";
        let s = snippet(text, "calibration").unwrap();
        assert_eq!(s.hit, "calibration");
        assert!(s.before.ends_with("held its "), "{s:?}");
        assert!(s.after.starts_with(" across"), "{s:?}");
        // Case and operators do not matter; the earliest word wins.
        let s = snippet(text, "DRIFT OR hydrophone").unwrap();
        assert_eq!(s.hit, "hydrophone");
        // Long text is cut at words, marked.
        let long = format!("{} needle {}", "word ".repeat(50), "tail ".repeat(80));
        let s = snippet(&long, "needle").unwrap();
        assert!(s.before.starts_with('…') && s.after.ends_with('…'), "{s:?}");
        assert!(s.before.len() < 80 && s.after.len() < 160);
        // Korean text, and nothing found.
        let s = snippet("수중 음향 센서 시험 결과", "센서").unwrap();
        assert_eq!((s.before.as_str(), s.hit.as_str()), ("수중 음향 ", "센서"));
        assert_eq!(snippet(text, "satellite"), None);
    }
}
