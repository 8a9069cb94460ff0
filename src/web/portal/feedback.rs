//! What a caller does on a record's portal page, for incidents and requests alike: replies,
//! and their word on a resolution: "Yes, it is solved"
//! closes the record, "No, it is not" with a reason reopens it, and a rating from 1 to 5
//! with a comment, once per resolution; and whom the record is shared with (the caller adds
//! and removes people, a person it is shared with may leave). Every portal action on a
//! record goes through `act`:
//! a refusal about the input shows the record's page again, the typing kept and the error
//! at its field.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::incidents::{self, TransitionInput};
use crate::service::journal::CommentInput;
use crate::service::ratings::{self, RatingInput, RatingView};
use crate::service::record::RecordKind;
use crate::service::requests::{self, RequestTransitionInput};
use crate::service::shares::{self, ShareInput, ShareView};
use crate::state::AppState;
use crate::web::form::{FormState, field};
use crate::web::record::Record;
use crate::web::{Ctx, SignedIn, see_other};

/// The portal page of a record: `/portal/incidents/INC…` or `/portal/requests/REQ…`.
pub(super) fn page_of(kind: RecordKind, number: &str) -> String {
    format!(
        "/portal/{}/{}",
        kind.collection(),
        number.to_ascii_uppercase()
    )
}

/// What a record's page offers its reader about the resolution.
pub(super) struct Feedback {
    /// Where the forms post: the record's portal page.
    pub base: String,
    /// The caller is asked whether the resolution solved it.
    pub verdict: bool,
    /// The caller may rate the current resolution.
    pub rate: bool,
    /// The ratings given so far, the latest resolution first.
    pub ratings: Vec<RatingView>,
    /// The scores with their words, 1 to 5.
    pub scores: Vec<(String, String)>,
    /// The people the record is shared with.
    pub shares: Vec<ShareView>,
    /// The reader is the record's caller: they share it and end shares.
    pub owner: bool,
    /// The reader's e-mail, for leaving a record shared with them.
    pub me: String,
}

/// The caller's own side of their record's page.
pub(super) struct Mine {
    /// The record waits for their verdict (resolved, fulfilled).
    pub verdict: bool,
    /// Its current resolution, when it has one (also once closed).
    pub resolved: Option<jiff::Timestamp>,
}

impl Feedback {
    /// `mine`: the reader is the record's caller.
    pub(super) async fn of(
        state: &AppState,
        ctx: &Ctx,
        actor: &Actor,
        kind: RecordKind,
        number: &str,
        mine: Option<Mine>,
    ) -> AppResult<Feedback> {
        let ratings = ratings::of(&state.db, actor, kind, number).await?;
        let mine_resolved = mine.as_ref().and_then(|m| m.resolved);
        let rate = mine_resolved.is_some() && !ratings::rated(&ratings, mine_resolved);
        let scores = [
            ctx.tr.t("portal.score_1"),
            ctx.tr.t("portal.score_2"),
            ctx.tr.t("portal.score_3"),
            ctx.tr.t("portal.score_4"),
            ctx.tr.t("portal.score_5"),
        ]
        .into_iter()
        .zip(1..)
        .map(|(words, score): (&str, u8)| (score.to_string(), words.to_owned()))
        .collect();
        Ok(Feedback {
            base: page_of(kind, number),
            verdict: mine.as_ref().is_some_and(|m| m.verdict),
            rate,
            ratings,
            scores,
            shares: shares::of(&state.db, actor, kind, number).await?,
            owner: mine.is_some(),
            me: actor.email.clone(),
        })
    }
}

/// Shows a record's portal page, with `form` in its forms.
async fn page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    match kind {
        RecordKind::Incident => {
            super::incident::incident_page_with(state, ctx, actor, number, form, status).await
        }
        RecordKind::Request => {
            super::request::request_page_with(state, ctx, actor, number, form, status).await
        }
    }
}

/// A record's portal page.
pub(super) async fn show<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
) -> AppResult<Response> {
    let form = FormState::default();
    page(&state, ctx, &actor, R::KIND, &number, form, StatusCode::OK).await
}

/// Runs a portal action on a record: done, back to its page with `done` said; refused
/// about the input (a conflict placed at `conflict_field`), its page again with the typing
/// kept and the error at its field; the record no longer where the action fits, back to its
/// page saying so.
#[allow(clippy::too_many_arguments)]
pub(super) async fn act<T>(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
    posted: Vec<(String, String)>,
    done: &str,
    conflict_field: &str,
    result: AppResult<T>,
) -> AppResult<Response> {
    match result {
        Ok(_) => {
            ctx.flash("success", ctx.tr.t(done).to_owned()).await?;
            Ok(see_other(&page_of(kind, number)))
        }
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let form = FormState::refused(posted, error, ctx.tr, conflict_field)?;
            page(
                state,
                ctx,
                actor,
                kind,
                number,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        // The record moved on meanwhile (a second click, the desk was quicker): its page
        // says where it stands now.
        Err(AppError::Transition { .. }) => {
            ctx.flash("error", ctx.tr.t("portal.moved_on").to_owned())
                .await?;
            Ok(see_other(&page_of(kind, number)))
        }
        Err(other) => Err(other),
    }
}

/// Moves the record as its caller's verdict: `closed` or `in_progress` (with a reason). The
/// forms are shown only while the record waits for it, so a caller refused (`403`) finds it
/// moved on since (a second click, the desk was quicker): a refused move, as for agents.
async fn verdict(
    state: &AppState,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
    to: &'static str,
    reason: Option<String>,
) -> AppResult<()> {
    let moved = match kind {
        RecordKind::Incident => {
            let input = TransitionInput {
                to: to.to_owned(),
                hold_reason: None,
                resolution_code: None,
                resolution_notes: None,
                reason,
            };
            incidents::transition(&state.db, actor, number, input, None)
                .await
                .map(drop)
        }
        RecordKind::Request => {
            let input = RequestTransitionInput {
                to: to.to_owned(),
                reason,
            };
            requests::transition(&state.db, actor, number, input, None)
                .await
                .map(drop)
        }
    };
    moved.map_err(|error| match error {
        AppError::Forbidden => AppError::Transition {
            from: "",
            to,
            allowed: Vec::new(),
        },
        other => other,
    })
}

/// The reader adds to the record's conversation (a public comment).
pub(super) async fn reply<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    form: crate::web::form::FilesForm,
) -> AppResult<Response> {
    let (posted, input) = form.comment();
    // The portal's words are always public.
    let input = input.map(|input| CommentInput {
        internal: false,
        ..input
    });
    let result = match (input, R::KIND) {
        (Ok(input), RecordKind::Incident) => {
            incidents::comment(&state.db, &actor, &number, input, None).await
        }
        (Ok(input), RecordKind::Request) => {
            requests::comment(&state.db, &actor, &number, input, None).await
        }
        (Err(error), _) => Err(error),
    };
    let done = "portal.replied";
    act(
        &state,
        ctx,
        &actor,
        R::KIND,
        &number,
        posted,
        done,
        "body",
        result,
    )
    .await
}

/// "Yes, it is solved": the caller closes the record.
pub(super) async fn confirm<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let result = verdict(&state, &actor, R::KIND, &number, "closed", None).await;
    let done = "portal.confirmed";
    act(
        &state,
        ctx,
        &actor,
        R::KIND,
        &number,
        posted,
        done,
        "reason",
        result,
    )
    .await
}

/// "No, it is not solved": the caller reopens the record, saying why.
pub(super) async fn reopen<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let reason = field(&posted, "reason");
    let result = verdict(&state, &actor, R::KIND, &number, "in_progress", reason).await;
    let done = "portal.reopened";
    act(
        &state,
        ctx,
        &actor,
        R::KIND,
        &number,
        posted,
        done,
        "reason",
        result,
    )
    .await
}

/// The caller rates the current resolution.
pub(super) async fn rate<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = RatingInput {
        score: field(&posted, "score").and_then(|s| s.trim().parse().ok()),
        comment: field(&posted, "comment"),
    };
    let result = ratings::rate(&state.db, &actor, R::KIND, &number, input, None).await;
    let done = "portal.rated";
    act(
        &state,
        ctx,
        &actor,
        R::KIND,
        &number,
        posted,
        done,
        "score",
        result,
    )
    .await
}

/// The caller shares the record with the person whose e-mail they typed.
pub(super) async fn share<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = ShareInput {
        person: field(&posted, "person"),
    };
    let result = shares::share(&state.db, &actor, R::KIND, &number, input, None).await;
    let done = "portal.shared";
    act(
        &state,
        ctx,
        &actor,
        R::KIND,
        &number,
        posted,
        done,
        "person",
        result,
    )
    .await
}

/// The caller stops sharing the record with a person; a person it is shared with leaves it
/// (and has nothing to go back to: their "My requests").
pub(super) async fn unshare<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let person =
        crate::web::record::end_share(&state, &ctx, &actor, R::KIND, &number, &posted).await?;
    if person.trim().eq_ignore_ascii_case(&actor.email) {
        return Ok(see_other("/portal/requests"));
    }
    Ok(see_other(&page_of(R::KIND, &number)))
}
