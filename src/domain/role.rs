//! Roles and what each may do. The one place where access is decided; both the API and the
//! pages ask `Role::allows`.

use serde::{Deserialize, Serialize};

/// A user's role; each includes everything the roles before it may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Someone who asks for help: reads the incidents they are the caller of, nothing else.
    Caller,
    /// Staff who follow the desk: reads every incident and problem, but no work notes and no
    /// user listings.
    Viewer,
    /// Works incidents, comments anywhere, creates problems and links incidents.
    Agent,
    /// Also transitions problems and maintains root cause, workaround and known errors.
    ProblemManager,
    /// Everything, including reference data, users and tokens.
    Admin,
}

/// Something a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read one's own records (those one is the caller of).
    ReadOwn,
    /// Read every record (of the departments one may see).
    Read,
    /// Read internal content: work notes; list and look up people.
    ReadInternal,
    WorkIncidents,
    ManageProblems,
    Administer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Caller,
        Role::Viewer,
        Role::Agent,
        Role::ProblemManager,
        Role::Admin,
    ];

    pub fn allows(self, permission: Permission) -> bool {
        let needed = match permission {
            Permission::ReadOwn => Role::Caller,
            Permission::Read => Role::Viewer,
            Permission::ReadInternal | Permission::WorkIncidents => Role::Agent,
            Permission::ManageProblems => Role::ProblemManager,
            Permission::Administer => Role::Admin,
        };
        self >= needed
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caller => "caller",
            Role::Viewer => "viewer",
            Role::Agent => "agent",
            Role::ProblemManager => "problem_manager",
            Role::Admin => "admin",
        }
    }

    /// The catalogue key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Caller => "role.caller",
            Role::Viewer => "role.viewer",
            Role::Agent => "role.agent",
            Role::ProblemManager => "role.problem_manager",
            Role::Admin => "role.admin",
        }
    }

    pub fn parse(value: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == value.trim())
            .ok_or("error.role")
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_allows_exactly_its_own_and_lower_permissions() {
        use Permission::*;
        let table = [
            (Role::Caller, [true, false, false, false, false, false]),
            (Role::Viewer, [true, true, false, false, false, false]),
            (Role::Agent, [true, true, true, true, false, false]),
            (Role::ProblemManager, [true, true, true, true, true, false]),
            (Role::Admin, [true, true, true, true, true, true]),
        ];
        for (role, expected) in table {
            let got = [
                ReadOwn,
                Read,
                ReadInternal,
                WorkIncidents,
                ManageProblems,
                Administer,
            ]
            .map(|p| role.allows(p));
            assert_eq!(got, expected, "{role}");
        }
    }

    #[test]
    fn roles_parse_from_their_api_names_only() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse("root"), Err("error.role"));
        assert_eq!(Role::parse("Admin"), Err("error.role"));
    }
}
