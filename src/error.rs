//! One error type for every operation. `IntoResponse` writes RFC 9457 problem+json; the web
//! face turns the same errors into pages in the user's language (see `web::error_pages`).
//! Server errors are logged once, here; client errors are not logged as errors.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::{FieldError, Invalid};
use crate::i18n::Tr;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: a malformed body or parameter; the text says what could not be read.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 400: a query parameter that cannot be used; names it.
    #[error("invalid parameter {}", .0.field)]
    InvalidParameter(FieldError),
    /// 401: no valid credentials.
    #[error("authentication required")]
    Unauthorized,
    /// 403: the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// 403: the group write scope is on and the record belongs to this group, which the
    /// actor is not a member of.
    #[error("outside the group write scope: {0}")]
    OutsideGroups(String),
    /// 404: no such resource.
    #[error("not found")]
    NotFound,
    /// 409: a duplicate, or a change the workflow forbids; the key names the message.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// 409: the incident is linked to another problem (named).
    #[error("linked to problem {0}")]
    LinkedElsewhere(String),
    /// 409: the workflow does not allow this move; says which moves are allowed.
    #[error("transition from {from} to {to} not allowed")]
    Transition {
        from: &'static str,
        to: &'static str,
        allowed: Vec<&'static str>,
    },
    /// 412: `If-Match` is stale; carries the current representation.
    #[error("precondition failed")]
    PreconditionFailed(serde_json::Value),
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 413: the body is over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 413: an attachment over a limit (per file, comment or record), which the message names.
    #[error("attachment over the {} limit", limit.as_str())]
    AttachmentTooLarge {
        limit: crate::domain::attachment::Limit,
        max: u64,
    },
    /// 409: an attachment's content is quarantined (a virus), or not yet called clean by a
    /// fail-closed scanner.
    #[error("attachment withheld: {0:?}")]
    Withheld(crate::domain::attachment::Withheld),
    /// 413: an e-mail over the size limit (the message names the limit).
    #[error("mail too large")]
    MailTooLarge,
    /// 422: the listed fields are invalid.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 429: too many attempts; retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// 503: a dependency (the database) does not answer.
    #[error("service unavailable")]
    Unavailable,
    /// 500: logged once; the client sees only the request id.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        AppError::Validation(invalid.0)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && let Some(constraint) = db.constraint()
            && let Some(mapped) = map_constraint(constraint)
        {
            return mapped;
        }
        // Values the database refuses (a NUL or an untranslatable character, a number or a
        // date out of its range) came from a client: `400`, not `500`.
        if let sqlx::Error::Database(db) = &error
            && db.code().is_some_and(|code| {
                matches!(
                    code.as_ref(),
                    "22021" | "22P05" | "22008" | "22003" | "22007" | "22P02" | "22001"
                )
            })
        {
            return AppError::BadRequest(format!(
                "a value the database cannot store: {}",
                db.message()
            ));
        }
        match error {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                AppError::Unavailable
            }
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// The named constraints of the migrations that a client can run into, and what they mean.
fn map_constraint(constraint: &str) -> Option<AppError> {
    Some(match constraint {
        "users_email_key" => AppError::Conflict("error.email_taken"),
        "groups_key_key" => AppError::Conflict("error.group_key_taken"),
        "services_key_key" => AppError::Conflict("error.service_key_taken"),
        "departments_key_key" => AppError::Conflict("error.department_key_taken"),
        "request_types_key_key" => AppError::Conflict("error.request_type_key_taken"),
        "mailboxes_key_key" => AppError::Conflict("error.mailbox_key_taken"),
        _ => return None,
    })
}

/// The problem+json body (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every offending field, for 422.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) | AppError::InvalidParameter(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::OutsideGroups(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_)
            | AppError::Transition { .. }
            | AppError::LinkedElsewhere(_)
            | AppError::Withheld(_) => StatusCode::CONFLICT,
            AppError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge
            | AppError::MailTooLarge
            | AppError::AttachmentTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A single-field validation error.
    pub fn field(field: &str, key: &'static str) -> Self {
        AppError::Validation(vec![FieldError::new(field, key)])
    }

    /// The problem document in the given language.
    pub fn problem(&self, tr: Tr) -> Problem {
        let status = self.status();
        let (slug, detail) = match self {
            AppError::BadRequest(text) => ("bad-request", Some(text.clone())),
            AppError::InvalidParameter(field) => (
                "bad-request",
                Some(format!("{}: {}", field.field, tr.t(field.key))),
            ),
            AppError::Unauthorized => ("unauthorized", Some(tr.t("error.unauthorized").to_owned())),
            AppError::Forbidden => ("forbidden", Some(tr.t("error.forbidden").to_owned())),
            AppError::OutsideGroups(group) => (
                "outside-group-scope",
                Some(tr.t1("error.outside_groups", group)),
            ),
            AppError::NotFound => ("not-found", Some(tr.t("error.not_found").to_owned())),
            AppError::Conflict(key) => ("conflict", Some(tr.t(key).to_owned())),
            AppError::LinkedElsewhere(problem) => (
                "linked-elsewhere",
                Some(tr.t1("error.linked_elsewhere", problem)),
            ),
            AppError::Transition { from, to, allowed } => {
                let allowed = if allowed.is_empty() {
                    tr.t("error.transition_final").to_owned()
                } else {
                    allowed.join(", ")
                };
                (
                    "transition-not-allowed",
                    Some(tr.tn("error.transition", &[from, to, &allowed])),
                )
            }
            AppError::PreconditionFailed(_) => (
                "stale-version",
                Some(tr.t("error.stale_version").to_owned()),
            ),
            AppError::UnsupportedMediaType => (
                "unsupported-media-type",
                Some(tr.t("error.unsupported_media_type").to_owned()),
            ),
            AppError::PayloadTooLarge => (
                "payload-too-large",
                Some(tr.t("error.payload_too_large").to_owned()),
            ),
            AppError::AttachmentTooLarge { limit, max } => (
                "attachment-too-large",
                Some(tr.t1(
                    limit_key(*limit),
                    crate::domain::attachment::human_size(*max),
                )),
            ),
            AppError::Withheld(crate::domain::attachment::Withheld::Infected) => (
                "attachment-infected",
                Some(tr.t("error.attachment_infected").to_owned()),
            ),
            AppError::Withheld(crate::domain::attachment::Withheld::NotScanned) => (
                "attachment-not-scanned",
                Some(tr.t("error.attachment_not_scanned").to_owned()),
            ),
            AppError::MailTooLarge => (
                "payload-too-large",
                Some(tr.t("error.mail_too_large").to_owned()),
            ),
            AppError::Validation(_) => ("validation", Some(tr.t("error.validation").to_owned())),
            AppError::TooManyRequests { .. } => {
                ("rate-limited", Some(tr.t("error.rate_limited").to_owned()))
            }
            AppError::Unavailable => ("unavailable", Some(tr.t("error.unavailable").to_owned())),
            AppError::Internal(_) => ("internal", Some(tr.t("error.internal").to_owned())),
        };
        let errors = match self {
            AppError::Validation(fields) => fields
                .iter()
                .map(|e| ProblemField {
                    field: e.field.clone(),
                    message: tr.t(e.key).to_owned(),
                })
                .collect(),
            AppError::AttachmentTooLarge { limit, max } => vec![ProblemField {
                field: "file".to_owned(),
                message: tr.t1(
                    limit_key(*limit),
                    crate::domain::attachment::human_size(*max),
                ),
            }],
            AppError::InvalidParameter(e) => vec![ProblemField {
                field: e.field.clone(),
                message: tr.t(e.key).to_owned(),
            }],
            _ => Vec::new(),
        };
        Problem {
            kind: format!("/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

/// The catalogue key of the message for an attachment over `limit`.
fn limit_key(limit: crate::domain::attachment::Limit) -> &'static str {
    match limit {
        crate::domain::attachment::Limit::File => "error.attachment_file_limit",
        crate::domain::attachment::Limit::Comment => "error.attachment_comment_limit",
        crate::domain::attachment::Limit::Record => "error.attachment_record_limit",
    }
}

/// Marks a response as made from an `AppError`, so the web face can render it as a page.
#[derive(Clone)]
pub struct ErrorInfo(pub Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        let status = self.status();
        let mut response = match &self {
            // 412 carries the current representation so the client can merge and retry.
            AppError::PreconditionFailed(current) => {
                (status, axum::Json(current.clone())).into_response()
            }
            _ => problem_response(status, &self.problem(Tr::new(crate::domain::Locale::En))),
        };
        let headers = response.headers_mut();
        match &self {
            AppError::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            AppError::TooManyRequests { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        response.extensions_mut().insert(ErrorInfo(Arc::new(self)));
        response
    }
}

/// Serialises a problem document with its media type.
pub fn problem_response(status: StatusCode, problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        )],
        body,
    )
        .into_response()
}

/// A problem document for a status that no `AppError` produced (a framework rejection).
pub fn bare_problem(status: StatusCode, detail: Option<String>) -> Problem {
    let slug = match status {
        StatusCode::BAD_REQUEST => "bad-request",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        _ if status.is_server_error() => "internal",
        _ => "error",
    };
    Problem {
        kind: format!("/problems/{slug}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors: Vec::new(),
    }
}

pub type AppResult<T> = Result<T, AppError>;
