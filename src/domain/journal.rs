//! What the system writes into a journal: notes of a fixed kind with their details. They are
//! stored as English text — the `body` of the API's journal entries, which integrations read
//! and which stays as it is — and shown on pages in the reader's language through the
//! catalogue key of their kind. One place spells each note, for the service, the SLA worker
//! and the demo alike.

/// A note the system writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemNote {
    /// The record was logged: the body of its first `change` entry (pages show the fields).
    Created,
    /// A problem was made from an incident.
    CreatedFromIncident { incident: String },
    /// A problem was made from a cluster of similar incidents.
    CreatedFromCluster { incidents: usize, first: String },
    /// A service level set or moved the due dates (the entry's changes say which).
    ServiceLevel { policy: String },
    /// The first response did not come in time.
    ResponseBreached,
    /// The resolution target is near.
    ResolutionAtRisk,
    /// The resolution did not come in time.
    ResolutionBreached,
    /// A problem's workaround, for an incident linked to it.
    Workaround { problem: String, text: String },
    /// Resolved and not reopened for this many working days: closed by itself.
    AutoClosed { days: u32 },
    /// A request's approval stage began: these people (e-mails, comma-separated) are asked.
    ApprovalAsked { stage: String, approvers: String },
    /// A request's approval stage found nobody to ask: it waits until someone fixes that.
    ApprovalNobody { stage: String },
    /// The caller rated the resolution (1 to 5), with their comment (may be empty).
    Rated { score: i16, comment: String },
    /// The caller wrote again after the incident was closed: this incident continues it.
    FollowUpOf { incident: String },
    /// The caller wrote again after this incident was closed: that incident continues it.
    FollowedUpBy { incident: String },
    /// The caller was reminded that the record closes by itself at `on` (a UTC time, as
    /// "2026-12-10 17:00") unless they say it is not solved.
    CloseReminder { on: String },
    /// The record was shared with this person (e-mail).
    SharedWith { person: String },
    /// The record is no longer shared with this person (e-mail).
    Unshared { person: String },
    /// Machine mail arrived about the record (an out-of-office reply, a list message): kept
    /// in the journal, changing nothing. `from` is the sender, `reason` what gave it away.
    AutomaticMail { from: String, reason: String },
    /// Mail to this address could not be delivered (a bounce with its status code).
    Bounced { address: String, status: String },
    /// A notification was accepted by the mail server for this address.
    MailSent { to: String, subject: String },
    /// A notification to this address could not be sent (refused, or not accepted within 48
    /// hours).
    MailFailed { to: String, error: String },
    /// clamd found a virus in this file (its name): quarantined, served to nobody.
    Quarantined { file: String, signature: String },
}

const CREATED: &str = "created";
const CREATED_FROM: &str = "created from ";
const CLUSTER_OF: &str = "a cluster of ";
const INCIDENTS_AROUND: &str = " incidents around ";
const SERVICE_LEVEL: &str = "service level ";
const RESPONSE_BREACHED: &str = "response target breached";
const RESOLUTION_AT_RISK: &str = "resolution target at risk";
const RESOLUTION_BREACHED: &str = "resolution target breached";
const WORKAROUND: &str = "Workaround from ";
const AUTO_CLOSED: &str = "closed by itself after working days resolved: ";
const APPROVAL_ASKED: &str = "approval asked from ";
const FOR_STAGE: &str = " for stage ";
const APPROVAL_NOBODY: &str = "no approver found for stage ";
const RATED: &str = "resolution rated ";
const OF_FIVE: &str = " of 5";
const FOLLOW_UP_OF: &str = "follow-up of ";
const FOLLOWED_UP_BY: &str = "followed up by ";
const SHARED_WITH: &str = "shared with ";
const CLOSE_REMINDER: &str = "reminder: closes by itself on ";
const UNLESS_REOPENED: &str = " UTC unless reopened";
const UNSHARED: &str = "no longer shared with ";
const AUTOMATIC_MAIL: &str = "automatic mail from ";
const BECAUSE: &str = " (";
const BOUNCED: &str = "mail to ";
const BOUNCED_STATUS: &str = " could not be delivered: ";
const MAIL_SENT: &str = "mail sent to ";
const MAIL_FAILED: &str = "mail not sent to ";
const COLON: &str = ": ";
const VIRUS_IN: &str = "virus found in ";
const QUARANTINED: &str = ", quarantined: ";

impl SystemNote {
    /// The stored (English) text.
    pub fn text(&self) -> String {
        match self {
            SystemNote::Created => CREATED.to_owned(),
            SystemNote::CreatedFromIncident { incident } => format!("{CREATED_FROM}{incident}"),
            SystemNote::CreatedFromCluster { incidents, first } => {
                format!("{CREATED_FROM}{CLUSTER_OF}{incidents}{INCIDENTS_AROUND}{first}")
            }
            SystemNote::ServiceLevel { policy } => format!("{SERVICE_LEVEL}{policy}"),
            SystemNote::ResponseBreached => RESPONSE_BREACHED.to_owned(),
            SystemNote::ResolutionAtRisk => RESOLUTION_AT_RISK.to_owned(),
            SystemNote::ResolutionBreached => RESOLUTION_BREACHED.to_owned(),
            SystemNote::Workaround { problem, text } => format!("{WORKAROUND}{problem}: {text}"),
            SystemNote::AutoClosed { days } => format!("{AUTO_CLOSED}{days}"),
            SystemNote::ApprovalAsked { stage, approvers } => {
                format!("{APPROVAL_ASKED}{approvers}{FOR_STAGE}{stage}")
            }
            SystemNote::ApprovalNobody { stage } => format!("{APPROVAL_NOBODY}{stage}"),
            SystemNote::Rated { score, comment } if comment.is_empty() => {
                format!("{RATED}{score}{OF_FIVE}")
            }
            SystemNote::Rated { score, comment } => format!("{RATED}{score}{OF_FIVE}: {comment}"),
            SystemNote::FollowUpOf { incident } => format!("{FOLLOW_UP_OF}{incident}"),
            SystemNote::FollowedUpBy { incident } => format!("{FOLLOWED_UP_BY}{incident}"),
            SystemNote::CloseReminder { on } => format!("{CLOSE_REMINDER}{on}{UNLESS_REOPENED}"),
            SystemNote::SharedWith { person } => format!("{SHARED_WITH}{person}"),
            SystemNote::Unshared { person } => format!("{UNSHARED}{person}"),
            SystemNote::AutomaticMail { from, reason } => {
                format!("{AUTOMATIC_MAIL}{from}{BECAUSE}{reason})")
            }
            SystemNote::Bounced { address, status } => {
                format!("{BOUNCED}{address}{BOUNCED_STATUS}{status}")
            }
            SystemNote::MailSent { to, subject } => format!("{MAIL_SENT}{to}{COLON}{subject}"),
            SystemNote::MailFailed { to, error } => format!("{MAIL_FAILED}{to}{COLON}{error}"),
            SystemNote::Quarantined { file, signature } => {
                format!("{VIRUS_IN}{file}{QUARANTINED}{signature}")
            }
        }
    }

    /// The note a stored text spells, if it is one.
    pub fn parse(body: &str) -> Option<Self> {
        if let Some(note) = Self::parse_mail_note(body) {
            return Some(note);
        }
        if let Some((file, signature)) = body
            .strip_prefix(VIRUS_IN)
            .and_then(|rest| rest.rsplit_once(QUARANTINED))
        {
            return Some(SystemNote::Quarantined {
                file: file.to_owned(),
                signature: signature.to_owned(),
            });
        }
        Some(match body {
            CREATED => SystemNote::Created,
            RESPONSE_BREACHED => SystemNote::ResponseBreached,
            RESOLUTION_AT_RISK => SystemNote::ResolutionAtRisk,
            RESOLUTION_BREACHED => SystemNote::ResolutionBreached,
            _ => {
                if let Some(from) = body.strip_prefix(CREATED_FROM) {
                    if let Some(cluster) = from.strip_prefix(CLUSTER_OF) {
                        let (incidents, first) = cluster.split_once(INCIDENTS_AROUND)?;
                        SystemNote::CreatedFromCluster {
                            incidents: incidents.parse().ok()?,
                            first: first.to_owned(),
                        }
                    } else {
                        SystemNote::CreatedFromIncident {
                            incident: from.to_owned(),
                        }
                    }
                } else if let Some(asked) = body.strip_prefix(APPROVAL_ASKED) {
                    let (approvers, stage) = asked.split_once(FOR_STAGE)?;
                    SystemNote::ApprovalAsked {
                        stage: stage.to_owned(),
                        approvers: approvers.to_owned(),
                    }
                } else if let Some(stage) = body.strip_prefix(APPROVAL_NOBODY) {
                    SystemNote::ApprovalNobody {
                        stage: stage.to_owned(),
                    }
                } else if let Some(rated) = body.strip_prefix(RATED) {
                    let (score, comment) = rated.split_once(OF_FIVE)?;
                    let comment = match comment {
                        "" => "",
                        more => more.strip_prefix(": ")?,
                    };
                    SystemNote::Rated {
                        score: score.parse().ok()?,
                        comment: comment.to_owned(),
                    }
                } else if let Some(incident) = body.strip_prefix(FOLLOW_UP_OF) {
                    SystemNote::FollowUpOf {
                        incident: incident.to_owned(),
                    }
                } else if let Some(on) = body.strip_prefix(CLOSE_REMINDER) {
                    SystemNote::CloseReminder {
                        on: on.strip_suffix(UNLESS_REOPENED)?.to_owned(),
                    }
                } else if let Some(person) = body.strip_prefix(SHARED_WITH) {
                    SystemNote::SharedWith {
                        person: person.to_owned(),
                    }
                } else if let Some(person) = body.strip_prefix(UNSHARED) {
                    SystemNote::Unshared {
                        person: person.to_owned(),
                    }
                } else if let Some(incident) = body.strip_prefix(FOLLOWED_UP_BY) {
                    SystemNote::FollowedUpBy {
                        incident: incident.to_owned(),
                    }
                } else if let Some(days) = body.strip_prefix(AUTO_CLOSED) {
                    SystemNote::AutoClosed {
                        days: days.parse().ok()?,
                    }
                } else if let Some(policy) = body.strip_prefix(SERVICE_LEVEL) {
                    SystemNote::ServiceLevel {
                        policy: policy.to_owned(),
                    }
                } else {
                    let (problem, text) = body.strip_prefix(WORKAROUND)?.split_once(": ")?;
                    SystemNote::Workaround {
                        problem: problem.to_owned(),
                        text: text.to_owned(),
                    }
                }
            }
        })
    }

    /// The notes about mail: sent, not sent, machine mail, a bounce.
    fn parse_mail_note(body: &str) -> Option<Self> {
        if let Some(rest) = body.strip_prefix(MAIL_SENT) {
            let (to, subject) = rest.split_once(COLON)?;
            Some(SystemNote::MailSent {
                to: to.to_owned(),
                subject: subject.to_owned(),
            })
        } else if let Some(rest) = body.strip_prefix(MAIL_FAILED) {
            let (to, error) = rest.split_once(COLON)?;
            Some(SystemNote::MailFailed {
                to: to.to_owned(),
                error: error.to_owned(),
            })
        } else if let Some(rest) = body.strip_prefix(AUTOMATIC_MAIL) {
            let (from, reason) = rest.strip_suffix(')')?.split_once(BECAUSE)?;
            Some(SystemNote::AutomaticMail {
                from: from.to_owned(),
                reason: reason.to_owned(),
            })
        } else {
            let rest = body
                .strip_prefix(BOUNCED)
                .filter(|r| r.contains(BOUNCED_STATUS))?;
            let (address, status) = rest.split_once(BOUNCED_STATUS)?;
            Some(SystemNote::Bounced {
                address: address.to_owned(),
                status: status.to_owned(),
            })
        }
    }

    /// The catalogue key of its text; `{0}` and `{1}` stand for [`SystemNote::args`].
    pub fn key(&self) -> &'static str {
        match self {
            SystemNote::Created => "journal.note.created",
            SystemNote::CreatedFromIncident { .. } => "journal.note.created_from_incident",
            SystemNote::CreatedFromCluster { .. } => "journal.note.created_from_cluster",
            SystemNote::ServiceLevel { .. } => "journal.note.service_level",
            SystemNote::ResponseBreached => "journal.note.response_breached",
            SystemNote::ResolutionAtRisk => "journal.note.resolution_at_risk",
            SystemNote::ResolutionBreached => "journal.note.resolution_breached",
            SystemNote::Workaround { .. } => "journal.note.workaround",
            SystemNote::AutoClosed { .. } => "journal.note.auto_closed",
            SystemNote::ApprovalAsked { .. } => "journal.note.approval_asked",
            SystemNote::ApprovalNobody { .. } => "journal.note.approval_nobody",
            SystemNote::Rated { comment, .. } if comment.is_empty() => "journal.note.rated",
            SystemNote::Rated { .. } => "journal.note.rated_with_comment",
            SystemNote::FollowUpOf { .. } => "journal.note.follow_up_of",
            SystemNote::FollowedUpBy { .. } => "journal.note.followed_up_by",
            SystemNote::CloseReminder { .. } => "journal.note.close_reminder",
            SystemNote::SharedWith { .. } => "journal.note.shared_with",
            SystemNote::Unshared { .. } => "journal.note.unshared",
            SystemNote::AutomaticMail { .. } => "journal.note.automatic_mail",
            SystemNote::Bounced { .. } => "journal.note.bounced",
            SystemNote::MailSent { .. } => "journal.note.mail_sent",
            SystemNote::MailFailed { .. } => "journal.note.mail_failed",
            SystemNote::Quarantined { .. } => "journal.note.quarantined",
        }
    }

    /// The details the catalogue text names.
    pub fn args(&self) -> Vec<String> {
        match self {
            SystemNote::CreatedFromIncident { incident }
            | SystemNote::FollowUpOf { incident }
            | SystemNote::FollowedUpBy { incident } => vec![incident.clone()],
            SystemNote::SharedWith { person } | SystemNote::Unshared { person } => {
                vec![person.clone()]
            }
            SystemNote::CloseReminder { on } => vec![on.clone()],
            SystemNote::CreatedFromCluster { incidents, first } => {
                vec![incidents.to_string(), first.clone()]
            }
            SystemNote::ServiceLevel { policy } => vec![policy.clone()],
            SystemNote::Workaround { problem, text } => vec![problem.clone(), text.clone()],
            SystemNote::AutoClosed { days } => vec![days.to_string()],
            SystemNote::ApprovalAsked { stage, approvers } => {
                vec![stage.clone(), approvers.clone()]
            }
            SystemNote::ApprovalNobody { stage } => vec![stage.clone()],
            SystemNote::Rated { score, comment } => vec![score.to_string(), comment.clone()],
            SystemNote::AutomaticMail { from, reason } => vec![from.clone(), reason.clone()],
            SystemNote::Bounced { address, status } => vec![address.clone(), status.clone()],
            SystemNote::MailSent { to, subject } => vec![to.clone(), subject.clone()],
            SystemNote::MailFailed { to, error } => vec![to.clone(), error.clone()],
            SystemNote::Quarantined { file, signature } => vec![file.clone(), signature.clone()],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_reads_back_from_its_text() {
        let notes = [
            SystemNote::Created,
            SystemNote::CreatedFromIncident {
                incident: "INC0000042".to_owned(),
            },
            SystemNote::CreatedFromCluster {
                incidents: 7,
                first: "INC0000042".to_owned(),
            },
            SystemNote::ServiceLevel {
                policy: "standard".to_owned(),
            },
            SystemNote::ResponseBreached,
            SystemNote::ResolutionAtRisk,
            SystemNote::ResolutionBreached,
            SystemNote::AutoClosed { days: 5 },
            SystemNote::ApprovalAsked {
                stage: "Manager".to_owned(),
                approvers: "anna@example.com, ben@example.com".to_owned(),
            },
            SystemNote::ApprovalNobody {
                stage: "SAP owner".to_owned(),
            },
            SystemNote::Rated {
                score: 4,
                comment: String::new(),
            },
            SystemNote::FollowUpOf {
                incident: "INC0000007".to_owned(),
            },
            SystemNote::FollowedUpBy {
                incident: "INC0000008".to_owned(),
            },
            SystemNote::SharedWith {
                person: "lena@example.com".to_owned(),
            },
            SystemNote::CloseReminder {
                on: "2026-12-10 17:00".to_owned(),
            },
            SystemNote::Unshared {
                person: "lena@example.com".to_owned(),
            },
            SystemNote::AutomaticMail {
                from: "anna@example.com".to_owned(),
                reason: "Auto-Submitted".to_owned(),
            },
            SystemNote::Bounced {
                address: "gone@example.com".to_owned(),
                status: "5.1.1".to_owned(),
            },
            SystemNote::MailSent {
                to: "anna@example.com".to_owned(),
                subject: "[INC0000001] Resolved: VPN: drops".to_owned(),
            },
            SystemNote::MailFailed {
                to: "anna@example.com".to_owned(),
                error: "550 5.1.1 no such user".to_owned(),
            },
            SystemNote::Rated {
                score: 2,
                comment: "Took three days: of 5 calls, one answered".to_owned(),
            },
            SystemNote::Workaround {
                problem: "PRB0000012".to_owned(),
                text: "Restart the spooler: net stop spooler".to_owned(),
            },
            SystemNote::Quarantined {
                file: "invoice, quarantined: really.pdf".to_owned(),
                signature: "Win.Test.EICAR_HDB-1".to_owned(),
            },
        ];
        for note in notes {
            assert_eq!(
                SystemNote::parse(&note.text()),
                Some(note.clone()),
                "{note:?}"
            );
        }
        // The texts stored before this module existed read as the same notes.
        assert_eq!(
            SystemNote::parse("service level vip"),
            Some(SystemNote::ServiceLevel {
                policy: "vip".to_owned()
            })
        );
        assert_eq!(SystemNote::parse("Workaround from PRB1"), None, "no text");
        assert_eq!(SystemNote::parse("a person's words"), None);
    }
}
