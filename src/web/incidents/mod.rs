//! Agent pages for incidents: queues (with saved views, bulk edit and CSV), the new-incident
//! form, and the incident page (edit in place, workflow buttons, comments, journal timeline).
//! Every write goes through `service::incidents`, exactly like the API.

mod lookup;
mod new;
mod page;
mod queue;

pub(crate) use page::{JOURNEY, caller_journey, page_with_share_form};

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;
use lookup::{lookup_assignees, lookup_people};
use new::{create, new_form, suggest};
use page::{comment, incident_page, transition, update};
use queue::{bulk, delete_view, export_csv, queue, save_view};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(queue).post(create))
        .route("/incidents.csv", get(export_csv))
        .route("/incidents/new", get(new_form))
        .route("/incidents/bulk", post(bulk))
        .route("/incidents/views", post(save_view))
        .route("/incidents/views/{id}/delete", post(delete_view))
        .route("/incidents/{number}", get(incident_page).post(update))
        .route("/incidents/{number}/transitions", post(transition))
        .route("/incidents/{number}/comments", post(comment))
        .route(
            "/incidents/{number}/shares",
            post(crate::web::record::share::<crate::web::record::Incidents>),
        )
        .route(
            "/incidents/{number}/shares/unshare",
            post(crate::web::record::unshare::<crate::web::record::Incidents>),
        )
        .route("/incidents/suggest", get(suggest))
        .route("/lookup/people", get(lookup_people))
        .route("/lookup/assignees", get(lookup_assignees))
}

/// Rows per queue page.
const QUEUE_PAGE: i64 = 50;
/// Most rows a CSV export of a queue holds.
/// Rows read per query while a CSV download streams.
const EXPORT_PAGE: i64 = 500;
