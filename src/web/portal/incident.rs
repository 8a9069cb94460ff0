//! One incident as the person who reported it follows it: status, the resolution, the
//! journey; replies and, once resolved, "did this solve it?" and a rating (`feedback`);
//! once closed, a follow-up.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::feedback::{Feedback, Mine, act, page_of};
use super::request::{Step, journey};
use crate::domain::incident::IncidentState;
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::incidents::{self, IncidentView};
use crate::service::record::RecordKind;
use crate::state::AppState;
use crate::web::form::{FormState, field};
use crate::web::{Ctx, SignedIn, render, see_other};

#[derive(Template)]
#[template(path = "portal/incident.html")]
struct IncidentPage {
    ctx: Ctx,
    incident: IncidentView,
    journal: Vec<Step>,
    /// The reader is its caller.
    mine: bool,
    feedback: Feedback,
    form: FormState,
}

impl IncidentPage {
    /// The caller may still add to the conversation.
    fn open(&self) -> bool {
        !matches!(
            self.incident.state,
            IncidentState::Closed | IncidentState::Canceled
        )
    }

    /// Closed, the caller's word opens a follow-up instead.
    fn follows_up(&self) -> bool {
        self.mine && self.incident.state == IncidentState::Closed
    }
}

pub(super) async fn incident_page_with(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    number: &str,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let incident = incidents::get(&state.db, actor, number).await?;
    let journal = journey(
        &ctx,
        incidents::journal(&state.db, actor, number).await?,
        |s| {
            IncidentState::parse(s)
                .ok()
                .map(|s| ctx.tr.t(s.label_key()).to_owned())
        },
    );
    let mine = incident.caller.as_deref() == Some(actor.email.as_str());
    let feedback = Feedback::of(
        state,
        &ctx,
        actor,
        RecordKind::Incident,
        number,
        mine.then_some(Mine {
            verdict: incident.state == IncidentState::Resolved,
            // Set while resolved or closed only: a reopen clears it.
            resolved: incident.resolved_at,
        }),
    )
    .await?;
    let page = IncidentPage {
        ctx,
        incident,
        journal,
        mine,
        feedback,
        form,
    };
    Ok(render(status, &page))
}

/// The caller writes again after the incident was closed: a follow-up continues it.
pub(super) async fn follow_up(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    match incidents::follow_up(&state.db, &actor, &number, field(&posted, "body")).await {
        Ok(new) => {
            let said = ctx.tr.tn("portal.followed_up", &[&new.number]);
            ctx.flash("success", said).await?;
            Ok(see_other(&page_of(RecordKind::Incident, &new.number)))
        }
        Err(error) => {
            let (kind, done) = (RecordKind::Incident, "portal.followed_up");
            act::<()>(
                &state,
                ctx,
                &actor,
                kind,
                &number,
                posted,
                done,
                "body",
                Err(error),
            )
            .await
        }
    }
}
