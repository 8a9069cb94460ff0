//! Ticket numbers as people type them into a search box: `INC42`, `inc 0000042`, `PRB-7`,
//! `#INC7`. A number is a reference, not words to search for.

/// A ticket named by its number, normalised (`INC0000042`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    Incident(String),
    Problem(String),
    Request(String),
}

/// The ticket a search text names, when it is nothing but a ticket number: a known prefix,
/// optionally a space, `-` or `#`, and one to seven digits (leading zeros optional).
pub fn ticket_ref(text: &str) -> Option<TicketRef> {
    let text = text.trim().trim_start_matches('#').to_ascii_uppercase();
    let (prefix, rest) = text.split_at_checked(3)?;
    let digits = rest.trim_start_matches([' ', '-', '#']);
    if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = format!("{prefix}{digits:0>7}");
    match prefix {
        "INC" => Some(TicketRef::Incident(number)),
        "PRB" => Some(TicketRef::Problem(number)),
        "REQ" => Some(TicketRef::Request(number)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_numbers_name_their_ticket_with_or_without_zeros() {
        let inc = Some(TicketRef::Incident("INC0000042".to_owned()));
        for typed in ["INC42", "inc0000042", " Inc 42 ", "INC-42", "#INC42"] {
            assert_eq!(ticket_ref(typed), inc, "{typed}");
        }
        assert_eq!(
            ticket_ref("prb7"),
            Some(TicketRef::Problem("PRB0000007".to_owned()))
        );
        for words in [
            "42",
            "INC",
            "INC12345678",
            "INC42 VPN",
            "INCIDENT",
            "VPN42",
            "Ä",
        ] {
            assert_eq!(ticket_ref(words), None, "{words}");
        }
    }
}
