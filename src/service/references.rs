//! The ids behind the keys, e-mails and numbers a request names (caller, service, group,
//! assignee, parent), looked up and checked once for every operation that takes them.
#![expect(
    clippy::option_option,
    reason = "`None` not given, `Some(None)` cleared, `Some(Some(id))` set"
)]

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::incident::Incident;
use crate::domain::incident::IncidentNumber;
use crate::domain::{Email, Invalid, Permission};
use crate::error::AppResult;
use crate::store;

pub struct RefInput<'a> {
    pub caller: Option<&'a str>,
    pub service: Option<&'a str>,
    pub assignment_group: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub parent: Option<&'a str>,
    /// The reader's scope: a parent outside it is as unknown as one never logged.
    pub scope: Option<&'a crate::service::scope::ReadScope>,
}

/// The ids behind the keys, e-mails and numbers a request names. For each: `None` not given,
/// `Some(None)` cleared, `Some(Some(id))` set.
#[derive(Default)]
pub struct References {
    pub caller_given: bool,
    pub caller_email: Option<String>,
    pub caller_id: Option<Uuid>,
    pub service_id: Option<Option<Uuid>>,
    pub service_key: Option<String>,
    pub group_id: Option<Option<Uuid>>,
    pub group_key: Option<String>,
    pub assignee_id: Option<Option<Uuid>>,
    pub assignee_email: Option<String>,
    pub parent_id: Option<Option<Uuid>>,
    pub parent_number: Option<String>,
}

fn given(value: Option<&str>) -> Option<Option<&str>> {
    value.map(|v| Some(v.trim()).filter(|v| !v.is_empty()))
}

impl References {
    /// Looks up every reference; unknown or unusable ones are recorded on their field.
    /// `this` is the incident being changed, for the parent checks.
    pub async fn resolve(
        conn: &mut PgConnection,
        invalid: &mut Invalid,
        input: RefInput<'_>,
        this: Option<&Incident>,
    ) -> AppResult<Self> {
        let mut refs = References::default();
        if let Some(caller) = given(input.caller) {
            refs.caller_given = true;
            if let Some(caller) = caller
                && let Some(email) = invalid.check("caller", Email::parse(caller))
            {
                refs.caller_id = store::users::find_by_email(conn, email.as_str())
                    .await?
                    .map(|u| u.id);
                refs.caller_email = Some(email.as_str().to_owned());
            }
        }
        // The service and the group are looked up together: one round trip.
        let (service, group) = (given(input.service), given(input.assignment_group));
        let (service_row, group_row) = match (service.flatten(), group.flatten()) {
            (None, None) => (None, None),
            (s, g) => store::services::find_with_group(conn, s, g).await?,
        };
        if let Some(service) = service {
            refs.service_id = Some(None);
            if service.is_some() {
                match service_row {
                    Some((id, key, true)) => {
                        refs.service_id = Some(Some(id));
                        refs.service_key = Some(key);
                    }
                    Some(_) => invalid.add("service", "error.inactive"),
                    None => invalid.add("service", "error.unknown_service"),
                }
            }
        }
        if let Some(group) = group {
            refs.group_id = Some(None);
            if group.is_some() {
                match group_row {
                    Some((id, key, true)) => {
                        refs.group_id = Some(Some(id));
                        refs.group_key = Some(key);
                    }
                    Some(_) => invalid.add("assignment_group", "error.inactive"),
                    None => invalid.add("assignment_group", "error.unknown_group"),
                }
            }
        }
        if let Some(assignee) = given(input.assignee) {
            refs.assignee_id = Some(None);
            if let Some(email) = assignee {
                match store::users::find_by_email(conn, &email.to_lowercase()).await? {
                    Some(u) if u.active && u.role.allows(Permission::WorkIncidents) => {
                        refs.assignee_id = Some(Some(u.id));
                        refs.assignee_email = Some(u.email);
                    }
                    Some(_) => invalid.add("assignee", "error.assignee_cannot_work"),
                    None => invalid.add("assignee", "error.unknown_user"),
                }
            }
        }
        if let Some(parent) = given(input.parent) {
            refs.parent_id = Some(None);
            if let Some(number) = parent {
                let found = match IncidentNumber::parse(number) {
                    Ok(n) => store::incidents::find_by_number(conn, n.as_str())
                        .await?
                        .filter(|p| {
                            input
                                .scope
                                .is_none_or(|s| s.admits(p.caller_id, p.department_id))
                        }),
                    Err(_) => None,
                };
                match found {
                    None => invalid.add("parent", "error.unknown_incident"),
                    Some(p) if this.is_some_and(|t| t.id == p.id) => {
                        invalid.add("parent", "error.parent_self");
                    }
                    // One level: a child cannot have children, a parent cannot have a parent.
                    Some(p) if p.parent_id.is_some() => {
                        invalid.add("parent", "error.parent_is_child");
                    }
                    Some(_)
                        if match this {
                            Some(t) => store::incidents::has_children(conn, t.id).await?,
                            None => false,
                        } =>
                    {
                        invalid.add("parent", "error.parent_has_children");
                    }
                    Some(p) => {
                        refs.parent_id = Some(Some(p.id));
                        refs.parent_number = Some(p.number);
                    }
                }
            }
        }
        Ok(refs)
    }
}

/// The assignee must belong to the assignment group (incidents and problems alike).
pub async fn check_membership(
    conn: &mut PgConnection,
    assignee: Option<Uuid>,
    group: Option<Uuid>,
    invalid: &mut Invalid,
) -> AppResult<()> {
    if let (Some(user), Some(group)) = (assignee, group)
        && !store::users::is_member(conn, user, group).await?
    {
        invalid.add("assignee", "error.not_member");
    }
    Ok(())
}

/// The group a list filter names by key; an unknown one is `422` naming `assignment_group`.
pub async fn group_filter(conn: &mut PgConnection, key: &str) -> AppResult<Uuid> {
    Ok(store::groups::find_by_key(conn, key)
        .await?
        .ok_or_else(|| {
            crate::service::fields::unknown_reference("assignment_group", "error.unknown_group")
        })?
        .id)
}

/// The active account behind an e-mail address typed into `field`.
pub(crate) async fn person(
    conn: &mut sqlx::PgConnection,
    invalid: &mut Invalid,
    field: &str,
    email: &str,
) -> AppResult<Option<store::users::User>> {
    let Some(email) = invalid.check(field, crate::domain::Email::parse(email)) else {
        return Ok(None);
    };
    Ok(
        match store::users::find_by_email(conn, email.as_str()).await? {
            Some(user) if user.active => Some(user),
            Some(_) => {
                invalid.add(field, "error.user_inactive");
                None
            }
            None => {
                invalid.add(field, "error.unknown_user");
                None
            }
        },
    )
}
