//! Attachments of incidents, problems and requests (`service::attachments`): upload files as a
//! comment or work note (`multipart/form-data`), list them, download one, remove one. The
//! same four operations for each kind; utoipa needs one function per path, so a macro stamps
//! the thin, annotated shells and the work is in the shared functions below.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{created_or_replayed, idempotency};
use crate::api::extract::{ApiActor, IdempotencyKey};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult, Problem};
use crate::http::files::{self, FILE_FIELD};
use crate::service::Actor;
use crate::service::attachments::{self, Attachable, AttachmentView};
use crate::service::journal::{CommentInput, JournalView};
use crate::state::AppState;

/// What an upload's body holds (documentation: the parts of the `multipart/form-data` body).
/// Other parts are refused (`422` naming them), so the schema allows no others.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "describes the multipart body for the OpenAPI document"
)]
struct AttachmentUpload {
    /// One or more files (one part each, with a file name). The type is sniffed from the
    /// content; the name is kept without any path.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<String>,
    /// Words to go with the files (optional).
    body: Option<String>,
    /// `true`: a work note, its files for agents only; `false` (default): a comment the caller
    /// sees.
    internal: Option<bool>,
}

async fn upload(
    state: &AppState,
    actor: &Actor,
    kind: Attachable,
    number: &str,
    key: IdempotencyKey,
    headers: &HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let Some(boundary) = files::boundary(headers) else {
        return Err(AppError::UnsupportedMediaType);
    };
    let (fields, staged) = files::read(&state.db, boundary, body).await?.into_parts();
    let staged = staged?;
    let mut text = None;
    let mut internal = false;
    let mut errors = Vec::new();
    for (name, value) in &fields {
        match name.as_str() {
            "body" => text = Some(value.clone()),
            "internal" => match value.trim() {
                "true" | "1" | "on" => internal = true,
                "false" | "0" | "" => internal = false,
                _ => errors.push(FieldError::new("internal", "error.boolean")),
            },
            other => errors.push(FieldError::new(other, "error.unknown_field")),
        }
    }
    if staged.is_empty() {
        errors.push(FieldError::new(FILE_FIELD, "error.required"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    // The same text and the same files (by content) are the same request.
    let hash = {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(text.as_deref().unwrap_or_default().as_bytes());
        hasher.update([0, u8::from(internal)]);
        for file in &staged {
            hasher.update(file.filename.as_bytes());
            hasher.update([0]);
            hasher.update(file.sha256);
        }
        hasher.finalize().to_vec()
    };
    let input = CommentInput {
        body: text,
        internal,
        files: staged,
    };
    let created = attachments::add(
        &state.db,
        actor,
        kind,
        number,
        input,
        idempotency(key, hash),
    )
    .await?;
    let base = kind.collection();
    let number = number.to_ascii_uppercase();
    created_or_replayed(created, |entry| {
        entry["attachments"][0]["id"]
            .as_str()
            .map(|id| format!("/api/v1/{base}/{number}/attachments/{id}"))
    })
}

macro_rules! attachment_shells {
    (
        kind = $kind:expr, tag = $tag:literal, noun = $noun:literal,
        collection = $collection:literal, item = $item:literal,
        upload = $upload:ident, list = $list:ident, download = $download:ident, remove = $remove:ident
    ) => {
        #[doc = concat!("Attaches files to the ", $noun, " as a comment (or, `internal`, a work note) carrying them, ")]
        #[doc = "by the same rules as its comments. Each file is streamed into the store, its type sniffed from its "]
        #[doc = "content. `413` names the limit a file broke (per file, per comment, per record); `415` for a body "]
        #[doc = "that is not `multipart/form-data`; `422` names `file` when there is none. `Idempotency-Key` as for comments."]
        #[utoipa::path(post, path = $collection, tag = $tag,
            request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
            params(("number" = String, Path), ("Idempotency-Key" = Option<String>, Header)), security(("bearer" = [])),
            responses((status = 201, description = "the comment or work note with its files", body = JournalView, headers(("Location" = String))),
                      (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
                      (status = 404, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
                      (status = 422, body = Problem)))]
        async fn $upload(
            State(state): State<AppState>,
            ApiActor(actor): ApiActor,
            Path(number): Path<String>,
            key: IdempotencyKey,
            headers: HeaderMap,
            body: Body,
        ) -> AppResult<Response> {
            upload(&state, &actor, $kind, &number, key, &headers, body).await
        }

        #[doc = concat!("The files of the ", $noun, " the reader may read (a work note's only for its readers), oldest first.")]
        #[utoipa::path(get, path = $collection, tag = $tag, params(("number" = String, Path)), security(("bearer" = [])),
            responses((status = 200, body = Vec<AttachmentView>), (status = 401, body = Problem),
                      (status = 403, body = Problem), (status = 404, body = Problem)))]
        async fn $list(
            State(state): State<AppState>,
            ApiActor(actor): ApiActor,
            Path(number): Path<String>,
        ) -> AppResult<Json<Vec<AttachmentView>>> {
            Ok(Json(attachments::list(&state.db, &actor, $kind, &number).await?))
        }

        #[doc = "The file's content, streamed: its sniffed type, `Content-Disposition: attachment` except for raster "]
        #[doc = "images, `X-Content-Type-Options: nosniff`, `Content-Security-Policy: default-src 'none'; sandbox`, "]
        #[doc = "and its SHA-256 as `ETag` (`304` for `If-None-Match`). `404` for a file the reader may not read or one removed; "]
        #[doc = "`409` for one a virus scanner found malware in (`attachment-infected`: quarantined, for everyone) or, with a "]
        #[doc = "fail-closed scanner, one not yet called clean (`attachment-not-scanned`: try again shortly)."]
        #[utoipa::path(get, path = $item, tag = $tag,
            params(("number" = String, Path), ("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header)),
            security(("bearer" = [])),
            responses((status = 200, description = "the content, typed as sniffed", content(
                          (Vec<u8> = "application/octet-stream"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"),
                          (Vec<u8> = "image/gif"), (Vec<u8> = "image/webp"), (Vec<u8> = "image/bmp"),
                          (Vec<u8> = "image/svg+xml"), (Vec<u8> = "application/pdf"), (Vec<u8> = "application/zip"),
                          (Vec<u8> = "application/gzip"), (Vec<u8> = "application/x-ole-storage"),
                          (Vec<u8> = "application/xml"), (Vec<u8> = "text/html"), (Vec<u8> = "text/plain"))),
                      (status = 304, description = "unchanged"), (status = 400, body = Problem),
                      (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
                      (status = 409, body = Problem)))]
        async fn $download(
            State(state): State<AppState>,
            ApiActor(actor): ApiActor,
            Path((number, id)): Path<(String, Uuid)>,
            headers: HeaderMap,
        ) -> AppResult<Response> {
            let download = attachments::download(&state.db, &actor, $kind, &number, id).await?;
            Ok(files::download_response(download, &headers))
        }

        #[doc = "Removes a file: by whoever attached it, or an agent who works the record. Its entry stays and says "]
        #[doc = "so (a change, or for a work note's file a work note); the content is deleted once nothing refers to it."]
        #[utoipa::path(delete, path = $item, tag = $tag, params(("number" = String, Path), ("id" = Uuid, Path)),
            security(("bearer" = [])),
            responses((status = 204, description = "removed"), (status = 400, body = Problem), (status = 401, body = Problem),
                      (status = 403, body = Problem), (status = 404, body = Problem)))]
        async fn $remove(
            State(state): State<AppState>,
            ApiActor(actor): ApiActor,
            Path((number, id)): Path<(String, Uuid)>,
        ) -> AppResult<Response> {
            attachments::remove(&state.db, &actor, $kind, &number, id).await?;
            Ok(crate::api::no_content())
        }
    };
}

attachment_shells!(
    kind = Attachable::Incident,
    tag = "incidents",
    noun = "incident",
    collection = "/api/v1/incidents/{number}/attachments",
    item = "/api/v1/incidents/{number}/attachments/{id}",
    upload = upload_incident,
    list = incident_attachments,
    download = incident_attachment,
    remove = remove_incident_attachment
);
attachment_shells!(
    kind = Attachable::Problem,
    tag = "problems",
    noun = "problem",
    collection = "/api/v1/problems/{number}/attachments",
    item = "/api/v1/problems/{number}/attachments/{id}",
    upload = upload_problem,
    list = problem_attachments,
    download = problem_attachment,
    remove = remove_problem_attachment
);
attachment_shells!(
    kind = Attachable::Request,
    tag = "requests",
    noun = "request",
    collection = "/api/v1/requests/{number}/attachments",
    item = "/api/v1/requests/{number}/attachments/{id}",
    upload = upload_request,
    list = request_attachments,
    download = request_attachment,
    remove = remove_request_attachment
);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_incident, incident_attachments))
        .routes(routes!(incident_attachment, remove_incident_attachment))
        .routes(routes!(upload_problem, problem_attachments))
        .routes(routes!(problem_attachment, remove_problem_attachment))
        .routes(routes!(upload_request, request_attachments))
        .routes(routes!(request_attachment, remove_request_attachment))
}
