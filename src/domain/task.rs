//! Tasks of service requests: what a request type asks of which groups (onboarding: HR
//! prepares the contract, IT orders the laptop, Facilities the desk), in order or side by
//! side, and the small workflow each task follows in its group's queue. Pure rules, no I/O.

use serde::{Deserialize, Serialize};

use super::validation::required_text;
use super::{Invalid, Slug};

/// `TSK` followed by 7 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskNumber(String);

impl TaskNumber {
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        let value = value.trim().to_ascii_uppercase();
        let digits = value.strip_prefix("TSK").ok_or("error.task_number")?;
        if digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value))
        } else {
            Err("error.task_number")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_enum! {
    pub enum TaskState (error = "error.task_state", label = "task_state") {
        /// Waits for the tasks it comes after.
        Waiting = "waiting",
        /// Ready to be worked.
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
        Canceled = "canceled",
    }
}

impl TaskState {
    /// Where a task may be moved by its group. `waiting` becomes `open` by itself when the
    /// tasks before it are done.
    pub fn allowed_next(self) -> &'static [TaskState] {
        use TaskState::{Canceled, Done, InProgress, Open, Waiting};
        match self {
            Waiting => &[Canceled],
            Open => &[InProgress, Done, Canceled],
            InProgress => &[Open, Done, Canceled],
            Done | Canceled => &[],
        }
    }

    pub fn is_final(self) -> bool {
        self.allowed_next().is_empty()
    }
}

/// A task a request type asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskTemplate {
    /// Names the task among the type's tasks (lowercase letters, digits, `-`).
    pub key: String,
    pub title: String,
    /// What the group is to do; shown on the task.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The group whose queue it goes to (a key).
    pub group: String,
    /// Keys of earlier tasks that must be done first; none: it starts with the request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
}

/// A task of a request, with the names of what it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: uuid::Uuid,
    pub number: String,
    pub request_id: uuid::Uuid,
    /// The request's number and title.
    pub request: String,
    pub request_title: String,
    pub key: String,
    pub position: i16,
    pub title: String,
    pub description: String,
    pub after: Vec<String>,
    pub state: TaskState,
    pub assignment_group_id: uuid::Uuid,
    pub assignment_group: String,
    pub department_id: uuid::Uuid,
    pub assignee_id: Option<uuid::Uuid>,
    pub assignee: Option<String>,
    pub opened_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub done_at: Option<jiff::Timestamp>,
    pub version: i64,
    /// When its request's fulfilment is due (its service level): the task is due with it.
    pub due: Option<jiff::Timestamp>,
}

impl Task {
    /// Moves the task: the state, and when it was finished.
    pub fn move_to(&mut self, to: TaskState, now: jiff::Timestamp) {
        self.state = to;
        self.done_at = to.is_final().then_some(now);
    }
}

/// Most tasks a request type has.
pub const MAX_TASKS: usize = 30;

/// Checks a type's tasks; each problem named under `name` (`tasks[1].after[0]`, …). Tasks
/// only come after earlier ones, so the order can never go round in a circle.
pub fn check_tasks(invalid: &mut Invalid, name: &str, tasks: &[TaskTemplate]) {
    if tasks.len() > MAX_TASKS {
        invalid.add(name, "error.too_many_tasks");
        return;
    }
    for (n, task) in tasks.iter().enumerate() {
        let path = |part: &str| format!("{name}[{n}].{part}");
        if Slug::parse(&task.key).is_err() {
            invalid.add(path("key"), "error.slug");
        } else if tasks[..n].iter().any(|t| t.key == task.key) {
            invalid.add(path("key"), "error.task_key_taken");
        }
        if let Err(key) = required_text(&task.title, 200) {
            invalid.add(path("title"), key);
        }
        if task.description.chars().count() > 100_000 {
            invalid.add(path("description"), "error.too_long");
        }
        if Slug::parse(&task.group).is_err() {
            invalid.add(path("group"), "error.slug");
        }
        for (a, before) in task.after.iter().enumerate() {
            if !tasks[..n].iter().any(|t| &t.key == before) {
                invalid.add(format!("{name}[{n}].after[{a}]"), "error.task_after");
            }
        }
    }
}

/// Whether a task may start: every task it comes after is done (or canceled).
pub fn ready(after: &[String], finished: &[&str]) -> bool {
    after.iter().all(|key| finished.contains(&key.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tasks_come_only_after_earlier_ones_and_every_mistake_is_named() {
        let tasks: Vec<TaskTemplate> = serde_json::from_value(json!([
            {"key": "contract", "title": "Prepare the contract", "group": "people-ops"},
            {"key": "laptop", "title": "Order the laptop", "group": "workplace", "after": ["contract"]},
            {"key": "Desk", "title": "", "group": "Facilities Team", "after": ["later", "laptop"]},
            {"key": "laptop", "title": "Again", "group": "workplace"},
            {"key": "later", "title": "Later", "group": "workplace"}
        ]))
        .unwrap();
        let mut invalid = Invalid::default();
        check_tasks(&mut invalid, "tasks", &tasks);
        let got: Vec<(String, &str)> = invalid.0.into_iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(
            got,
            vec![
                ("tasks[2].key".to_owned(), "error.slug"),
                ("tasks[2].title".to_owned(), "error.required"),
                ("tasks[2].group".to_owned(), "error.slug"),
                ("tasks[2].after[0]".to_owned(), "error.task_after"),
                ("tasks[3].key".to_owned(), "error.task_key_taken"),
            ]
        );
        assert!(ready(&[], &[]));
        assert!(!ready(&["contract".to_owned()], &[]));
        assert!(ready(&["contract".to_owned()], &["contract", "x"]));
    }

    #[test]
    fn a_task_moves_in_its_queue_and_ends_done_or_canceled() {
        use TaskState::*;
        assert_eq!(Waiting.allowed_next(), &[Canceled]);
        assert!(Open.allowed_next().contains(&Done));
        assert!(Done.is_final() && Canceled.is_final());
        assert_eq!(
            TaskNumber::parse("tsk0000001").unwrap().as_str(),
            "TSK0000001"
        );
        assert!(TaskNumber::parse("TSK1").is_err());
    }
}
