//! Pillar's HTTP server: for now the health check and a placeholder front page; the accounts,
//! label-enforcing pages and JSON API arrive with the platform.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use pillar_store::Store;

/// Builds the router.
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .with_state(store)
}

async fn index() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Html(include_str!("placeholder.html")),
    )
}

async fn healthz(State(store): State<Store>) -> impl IntoResponse {
    match store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))),
        Err(e) => {
            tracing::error!("health check failed: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
        }
    }
}

/// Serves until `shutdown` resolves, then finishes the requests in flight and closes the
/// database.
pub async fn serve(
    store: Store,
    listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!("Pillar listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(store.clone()))
        .with_graceful_shutdown(shutdown)
        .await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
