//! Roles and what each may do. The one place where access is decided; both the API and the
//! pages ask `Role::allows`.

text_enum! {
    /// A user's role; each includes everything the roles before it may do.
    #[derive(PartialOrd, Ord)]
    pub enum Role (error = "error.role", label = "role") {
        /// Someone who asks for help: reads the incidents they are the caller of, nothing else.
        Caller = "caller",
        /// Staff who follow the desk: reads every incident and problem, but no work notes and
        /// no user listings.
        Viewer = "viewer",
        /// Works incidents, comments anywhere, creates problems and links incidents.
        Agent = "agent",
        /// Also transitions problems and maintains root cause, workaround and known errors.
        ProblemManager = "problem_manager",
        /// Everything, including reference data, users and tokens.
        Admin = "admin",
    }
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
