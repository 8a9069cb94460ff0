//! The reference data most pages show or count with — departments, groups, services, live SLA
//! policies and calendars — read in one go, so a process can keep it in memory (`db::Db::reference`).
//!
//! It changes rarely and only through a few operations. Two things make a kept copy stale:
//! a change made by this process, which calls [`changed`](super::reference_generation::changed) as it writes (before its commit),
//! and a change made anywhere else, which the database announces on [`CHANNEL`](super::reference_generation::CHANNEL) (migration 22)
//! after the commit; the listening connection (`service::changes`) then calls `changed`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sqlx::PgConnection;
use uuid::Uuid;

use super::departments::DepartmentRow;
use super::groups::GroupRow;
use super::reference_generation::{changed, generation};
use super::services::ServiceRow;
use super::sla::{CalendarRow, PolicyRow};

/// Every department, group, service, live SLA policy and calendar, each ordered by key.
#[derive(Debug)]
pub struct Reference {
    pub departments: Vec<DepartmentRow>,
    pub groups: Vec<GroupRow>,
    pub services: Vec<ServiceRow>,
    pub policies: Vec<PolicyRow>,
    pub calendars: Vec<CalendarRow>,
}

impl Reference {
    pub fn group(&self, key: &str) -> Option<&GroupRow> {
        self.groups.iter().find(|g| g.key == key)
    }

    pub fn service(&self, key: &str) -> Option<&ServiceRow> {
        self.services.iter().find(|s| s.key == key)
    }

    pub fn department_by_key(&self, key: &str) -> Option<&DepartmentRow> {
        self.departments.iter().find(|d| d.key == key)
    }

    pub fn group_by_id(&self, id: Uuid) -> Option<&GroupRow> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn service_by_id(&self, id: Uuid) -> Option<&ServiceRow> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn department(&self, id: Uuid) -> Option<&DepartmentRow> {
        self.departments.iter().find(|d| d.id == id)
    }

    /// The department a record belongs to: its service's (the owner group's), else its
    /// assignment group's; `None` for a record of neither.
    pub fn department_of(&self, service_id: Option<Uuid>, group_id: Option<Uuid>) -> Option<Uuid> {
        let of_service = service_id
            .and_then(|id| self.service_by_id(id))
            .and_then(|s| s.owner_group_id)
            .and_then(|g| self.group_by_id(g));
        of_service
            .or_else(|| group_id.and_then(|g| self.group_by_id(g)))
            .map(|g| g.department_id)
    }

    /// The confidential departments whose groups do not include any of `member_of` (group
    /// keys): their records are hidden from that reader.
    pub fn hidden_departments(&self, member_of: &[String]) -> Vec<Uuid> {
        self.departments
            .iter()
            .filter(|d| d.confidential)
            .filter(|d| {
                !member_of
                    .iter()
                    .filter_map(|key| self.group(key))
                    .any(|g| g.department_id == d.id)
            })
            .map(|d| d.id)
            .collect()
    }
}

/// Reads all reference data (five queries on one connection).
pub async fn load(conn: &mut PgConnection) -> sqlx::Result<Reference> {
    Ok(Reference {
        departments: super::departments::all(conn).await?,
        groups: super::groups::all(conn).await?,
        services: super::services::all(conn).await?,
        policies: super::sla::policies(conn).await?,
        calendars: super::sla::calendars(conn).await?,
    })
}

/// The longest a kept copy is trusted without a fresh read: a safety net for a notification
/// lost in between.
pub const MAX_AGE: Duration = Duration::from_mins(1);

/// The copy of the reference data a pool keeps (`db::Db::reference`). It is handed out only
/// while the process listens for changes on `reference_generation::CHANNEL`, at the generation it was read at,
/// and for at most [`MAX_AGE`].
#[derive(Debug, Default)]
pub struct Kept {
    copy: RwLock<Option<(u64, Instant, Arc<Reference>)>>,
    listening: AtomicBool,
}

impl Kept {
    /// The kept copy, when it may be trusted.
    pub fn get(&self) -> Option<Arc<Reference>> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let copy = self
            .copy
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (generation, read_at, reference) = copy.as_ref()?;
        (*generation == self::generation() && read_at.elapsed() < MAX_AGE)
            .then(|| reference.clone())
    }

    /// Keeps `reference`, read after `generation()` returned `read_at_generation`.
    pub fn keep(&self, read_at_generation: u64, reference: Arc<Reference>) {
        if self.listening.load(Ordering::Acquire) && read_at_generation == generation() {
            *self
                .copy
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some((read_at_generation, Instant::now(), reference));
        }
    }

    /// Whether changes are being heard (the listening connection is up); either way, what was
    /// kept may have missed a change.
    pub fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::Release);
        changed();
    }
}
