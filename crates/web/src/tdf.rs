//! Documents as TDFs: "Download as TDF" seals the current version with its current label —
//! the label as a signed handling assertion and as data attributes, dissemination from its
//! releasability, the key wrapped for this server's key access service — after recording the
//! issue with its audit entry.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pillar_store::audit::AuditEvent;
use pillar_store::tdfs::IssuedTdf;
use pillar_tdf::container::{seal, Recipient, Seal};
use pillar_tdf::labelled;
use pillar_tdf::manifest::PolicyObject;
use sha2::{Digest, Sha256};

use crate::documents::content_disposition;
use crate::request::{ApiError, Caller};
use crate::{now, AppState, ServerError};

/// `GET /documents/{id}/tdf`: the current version as a TDF (404 when not readable, or when
/// this server runs no key access service).
#[utoipa::path(get, path = "/documents/{id}/tdf", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, description = "the TDF (a zip): the current version encrypted, its label inside, for this server's key access service", content_type = "application/zip"),
              (status = 404, description = "no such document, or not one the caller may read", body = crate::api::Refusal)))]
pub async fn download(
    State(state): State<AppState>,
    Caller(v): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(kas) = state.kas.clone() else {
        return Err(ApiError::NotFound);
    };
    let Some(d) = state.store.reader(&v.readable).document(&id).await? else {
        return Err(ApiError::NotFound);
    };
    let set = state.policies_for(&v).await?;
    let r = set
        .resolve(&d.label)
        .map_err(|e| ServerError::from(format!("document {id}: {e}")))?;
    // Uploads are capped (MAX_UPLOAD), so the content is read whole; the container itself
    // streams (see `pillar tdf encrypt`).
    let mut reader = state.blobs.open(&d.sha256).await?;
    let mut plain = Vec::with_capacity(reader.size() as usize);
    while let Some(chunk) = reader.next().await? {
        plain.extend_from_slice(&chunk);
    }
    let at = now();
    let policy = PolicyObject::new(labelled::policy_body(&set, &r, &kas.authority));
    let assertion = labelled::handling_assertion(&set, &r, &at);
    let issued = IssuedTdf {
        policy_uuid: policy.uuid.clone(),
        document_id: Some(id.clone()),
        label: d.label.clone(),
        policy_sha256: hex::encode(Sha256::digest(policy.to_base64().as_bytes())),
        issued_to: v.person.id.clone(),
        issued_at: at.clone(),
    };
    state
        .store
        .record_tdf(
            &issued,
            &AuditEvent::new(
                &v.person.id,
                "download.tdf",
                &format!("document:{id}"),
                "allow",
                &format!("policy {}", policy.uuid),
            ),
        )
        .await?;
    let mime = d.media_type.clone();
    let tdf = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ServerError> {
        let (kid, key) = kas.wrapping.current().ok_or("no KAS key")?;
        let public = key.public();
        let signer = kas.signing.current().ok_or("no signing key")?;
        let mut out = Vec::new();
        seal(
            Seal {
                policy,
                recipients: vec![Recipient {
                    url: kas.url(),
                    kid: kid.to_string(),
                    key: &public,
                }],
                mime_type: mime,
                segment_size: pillar_tdf::DEFAULT_SEGMENT_SIZE,
                assertions: vec![assertion],
                signer: Some(signer),
            },
            &mut &plain[..],
            &mut out,
        )?;
        Ok(out)
    })
    .await
    .map_err(ServerError::from)??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                content_disposition(&format!("{}.tdf", d.filename)),
            ),
        ],
        tdf,
    )
        .into_response())
}
