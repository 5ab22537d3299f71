//! The OpenAPI description of the JSON API.

use super::*;

/// The OpenAPI 3.1 description of the JSON API.
pub async fn openapi() -> impl IntoResponse {
    let kinds = json!([
        "nations",
        "organisations",
        "people",
        "tech-areas",
        "agreements"
    ]);
    let bearer = json!([{"bearer": []}, {"session": []}]);
    let list = |summary: &str| json!({"get": {"summary": summary, "security": bearer, "responses": {"200": {"description": "visible items, with the dominant marking"}, "401": {"description": "not signed in"}}}});
    let item = |summary: &str| json!({"get": {"summary": summary, "security": bearer, "responses": {"200": {"description": "the item and its marking"}, "401": {"description": "not signed in"}, "404": {"description": "no such item, or not released to you (indistinguishable)"}}}});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "Pillar API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Every answer holds only what the caller's clearance may read; an object they may not read is 404."},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "an API token from POST /api/tokens"},
                "session": {"type": "apiKey", "in": "cookie", "name": "pillar_session", "description": "a browser session; state-changing calls also need the X-CSRF-Token header"}
            },
            "parameters": {
                "kind": {"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": kinds}},
                "id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
            }
        },
        "paths": {
            "/api/registry/{kind}": {"parameters": [{"$ref": "#/components/parameters/kind"}], "get": list("List visible registry rows of a kind")["get"]},
            "/api/registry/{kind}/{id}": {"parameters": [{"$ref": "#/components/parameters/kind"}, {"$ref": "#/components/parameters/id"}], "get": item("One registry row")["get"]},
            "/api/agreements": list("List visible agreements"),
            "/api/agreements/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": item("One agreement")["get"]},
            "/api/tokens": {
                "get": {"summary": "Your API tokens (never their secrets)", "security": bearer, "responses": {"200": {"description": "tokens"}}},
                "post": {"summary": "Create a token; its secret is shown once", "security": bearer,
                         "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
                         "responses": {"201": {"description": "id, name and token"}, "403": {"description": "missing CSRF header (sessions)"}}}
            },
            "/api/tokens/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}],
                "delete": {"summary": "Revoke a token", "security": bearer, "responses": {"204": {"description": "revoked"}, "404": {"description": "no such live token"}}}},
            "/api/documents": {"get": {"summary": "Visible documents: newest first, or the best matches of a full-text query", "security": bearer,
                "parameters": [{"name": "q", "in": "query", "required": false, "schema": {"type": "string"}, "description": "words that must all occur in the title or the text"}],
                "responses": {"200": {"description": "marking, count, items (best first); broad is true when more than 2 000 visible documents matched, which are then listed newest first"}, "401": {"description": "not signed in"}}}},
            "/api/meetings": list("Meetings whose label you may read"),
            "/api/meetings/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": item("A meeting's record, with only the agenda items, decisions and actions released to you")["get"]},
            "/api/actions": {"get": {"summary": "Open action items you may read, overdue flagged", "security": bearer,
                "parameters": [{"name": "owner", "in": "query", "required": false, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "marking, count, items"}, "401": {"description": "not signed in"}}}},
            "/api/projects": list("Visible joint R&D projects with their assessments"),
            "/api/projects/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": item("One project, with its history")["get"]},
            "/api/landscapes": list("Published technology-landscape analyses the reader may read (without their bodies)"),
            "/api/landscapes/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}], "get": item("One analysis: its areas and queries, indicators per area and nation, collaboration, partner suggestions")["get"]},
            "/api/portfolio": {"get": {"summary": "Portfolio views over the visible projects: chart series, stalled projects, the workstream × nation readiness matrix", "security": bearer,
                "parameters": [{"name": "stall", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 30, "maximum": 3650}, "description": "days in TRL 4–6 after which a project counts as stalled (default 730)"}],
                "responses": {"200": {"description": "marking, projects, charts, stalled, matrix"}, "401": {"description": "not signed in"}}}},
            "/healthz": {"get": {"summary": "Health", "responses": {"200": {"description": "ok"}, "503": {"description": "database unavailable"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format"}}}}
        }
    });
    // Answers every operation may give besides its own: a malformed request (a NUL character,
    // a parameter out of range or of the wrong type, a body that is not what is described).
    let refusals = [
        ("400", "a malformed request: a NUL character, a parameter out of range or of the wrong type, a body that cannot be read"),
        ("404", "nothing there: an unknown path value, or an object not released to you (indistinguishable)"),
        ("415", "a body that is not JSON"),
        ("422", "a JSON body without the fields described"),
    ];
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(ops) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in ops.iter_mut() {
                if method == "parameters" {
                    continue;
                }
                let Some(responses) = op["responses"].as_object_mut() else {
                    continue;
                };
                for (code, why) in refusals {
                    let applies = match code {
                        "400" => path.starts_with("/api/"),
                        "404" => path.contains('{'),
                        _ => method == "post",
                    };
                    if applies && !responses.contains_key(code) {
                        responses.insert(code.into(), json!({"description": why}));
                    }
                }
            }
        }
    }
    Json(doc)
}
