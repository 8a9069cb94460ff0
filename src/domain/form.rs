//! The form of a request type and the answers to it. Pure rules: a definition is checked once,
//! when an admin writes it; answers are checked against it whenever a request is created, and
//! every bad field is named (`fields[2].choices`, `values.start_date`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Invalid;
use super::validation::required_text;

text_enum! {
    /// What a form field asks for.
    pub enum FieldKind (error = "error.field_kind", label = "field_kind") {
        /// One line of text, up to 1,000 characters.
        Text = "text",
        /// Several lines, up to 100,000 characters.
        LongText = "long_text",
        Number = "number",
        /// A calendar date, `YYYY-MM-DD`.
        Date = "date",
        /// One of `choices`.
        Choice = "choice",
        /// Any of `choices` (a list).
        MultiChoice = "multi_choice",
        /// A person with an account here, by e-mail address.
        Person = "person",
        /// Yes or no.
        Checkbox = "checkbox",
    }
}

/// Show a field only when an earlier field has a value: the choice made (or one of those
/// made), the number, or `true` for a ticked checkbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The key of an earlier field.
    pub field: String,
    /// The value that shows this field: a string, a number or a boolean.
    #[schema(value_type = Object)]
    pub equals: Value,
}

/// One field of a request type's form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Names the answer in `values`: lowercase letters, digits and `_`, starting with a letter.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// A line of help shown under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The options of a `choice` or `multi_choice` field (none for other kinds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_when: Option<Condition>,
}

/// Most fields in one form.
pub const MAX_FIELDS: usize = 50;
const MAX_LINE: usize = 1_000;
const MAX_LONG: usize = 100_000;

fn valid_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    key.len() <= 64
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks a form definition; each problem is named under `name` (`fields[0].key`, …).
pub fn check_definition(invalid: &mut Invalid, name: &str, fields: &[FormField]) {
    if fields.len() > MAX_FIELDS {
        invalid.add(name, "error.too_many_fields");
        return;
    }
    for (n, field) in fields.iter().enumerate() {
        let path = |part: &str| format!("{name}[{n}].{part}");
        if !valid_key(&field.key) {
            invalid.add(path("key"), "error.field_key");
        } else if fields[..n].iter().any(|f| f.key == field.key) {
            invalid.add(path("key"), "error.field_key_taken");
        }
        if let Err(key) = required_text(&field.label, 200) {
            invalid.add(path("label"), key);
        }
        if field
            .help
            .as_deref()
            .is_some_and(|h| h.chars().count() > MAX_LINE)
        {
            invalid.add(path("help"), "error.too_long");
        }
        let chooses = matches!(field.kind, FieldKind::Choice | FieldKind::MultiChoice);
        if chooses && field.choices.is_empty() {
            invalid.add(path("choices"), "error.choices_required");
        } else if !chooses && !field.choices.is_empty() {
            invalid.add(path("choices"), "error.choices_not_allowed");
        }
        for (c, choice) in field.choices.iter().enumerate() {
            if required_text(choice, 200).is_err() || choice.trim() != choice {
                invalid.add(format!("{name}[{n}].choices[{c}]"), "error.choice_text");
            } else if field.choices[..c].contains(choice) {
                invalid.add(format!("{name}[{n}].choices[{c}]"), "error.choice_twice");
            }
        }
        if let Some(condition) = &field.show_when {
            let earlier = fields[..n].iter().find(|f| f.key == condition.field);
            match earlier {
                None => invalid.add(path("show_when.field"), "error.condition_field"),
                Some(earlier) if !shows_for(earlier, &condition.equals) => {
                    invalid.add(path("show_when.equals"), "error.condition_value");
                }
                Some(_) => {}
            }
        }
    }
}

/// Whether `equals` is a value the field can take (so a condition on it can be met).
fn shows_for(field: &FormField, equals: &Value) -> bool {
    match field.kind {
        FieldKind::Choice | FieldKind::MultiChoice => equals
            .as_str()
            .is_some_and(|v| field.choices.iter().any(|c| c == v)),
        FieldKind::Checkbox => equals.is_boolean(),
        FieldKind::Number => equals.is_number(),
        _ => equals.is_string(),
    }
}

/// Whether a field is shown, given the answers so far (already checked, in form order).
fn visible(field: &FormField, answers: &Map<String, Value>) -> bool {
    let Some(condition) = &field.show_when else {
        return true;
    };
    match answers.get(&condition.field) {
        Some(Value::Array(items)) => items.contains(&condition.equals),
        Some(Value::Number(n)) => condition.equals.as_f64() == n.as_f64(),
        Some(value) => *value == condition.equals,
        None => condition.equals == Value::Bool(false),
    }
}

/// The answers to a form, checked and normalised in the form's order: fields left empty are
/// left out, so are the answers to fields a condition hides. Person fields hold an e-mail
/// address here; that the person exists is the caller's check (`people`).
pub fn check_values(
    invalid: &mut Invalid,
    name: &str,
    fields: &[FormField],
    values: &Map<String, Value>,
) -> Map<String, Value> {
    for key in values.keys() {
        if !fields.iter().any(|f| &f.key == key) {
            invalid.add(format!("{name}.{key}"), "error.unknown_field");
        }
    }
    let mut answers = Map::new();
    for field in fields {
        let at = format!("{name}.{}", field.key);
        if !visible(field, &answers) {
            continue;
        }
        let value = values.get(&field.key).filter(|v| !is_empty(v));
        match value.map(|v| answer(field, v)) {
            Some(Ok(value)) => {
                answers.insert(field.key.clone(), value);
            }
            Some(Err(key)) => invalid.add(at, key),
            None if field.required && field.kind != FieldKind::Checkbox => {
                invalid.add(at, "error.required");
            }
            None if field.required => invalid.add(at, "error.must_tick"),
            None => {}
        }
        if field.required
            && field.kind == FieldKind::Checkbox
            && answers.get(&field.key) == Some(&Value::Bool(false))
        {
            invalid.add(format!("{name}.{}", field.key), "error.must_tick");
        }
    }
    answers
}

/// The keys and e-mail addresses of the person fields answered.
pub fn people<'a>(
    fields: &'a [FormField],
    answers: &'a Map<String, Value>,
) -> Vec<(&'a str, &'a str)> {
    fields
        .iter()
        .filter(|f| f.kind == FieldKind::Person)
        .filter_map(|f| Some((f.key.as_str(), answers.get(&f.key)?.as_str()?)))
        .collect()
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// One answer, checked against its field and normalised (numbers typed as text become
/// numbers, a ticked form checkbox `"on"` becomes `true`).
fn answer(field: &FormField, value: &Value) -> Result<Value, &'static str> {
    let text = |max: usize| match value {
        Value::String(s) if s.trim().chars().count() > max => Err("error.too_long"),
        Value::String(s) => Ok(Value::String(s.trim().to_owned())),
        _ => Err("error.wrong_type"),
    };
    match field.kind {
        FieldKind::Text => text(MAX_LINE),
        FieldKind::LongText => text(MAX_LONG),
        FieldKind::Number => match value {
            Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(value.clone()),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(|n| {
                    if n.fract() == 0.0 && n.abs() < 9e15 {
                        #[expect(
                            clippy::cast_possible_truncation,
                            reason = "checked to be whole and in range"
                        )]
                        Some(Value::from(n as i64))
                    } else {
                        serde_json::Number::from_f64(n).map(Value::Number)
                    }
                })
                .ok_or("error.number"),
            _ => Err("error.number"),
        },
        FieldKind::Date => value
            .as_str()
            .and_then(|s| s.trim().parse::<jiff::civil::Date>().ok())
            .map(|d| Value::String(d.to_string()))
            .ok_or("error.date"),
        FieldKind::Choice => value
            .as_str()
            .map(str::trim)
            .filter(|v| field.choices.iter().any(|c| c == v))
            .map(|v| Value::String(v.to_owned()))
            .ok_or("error.choice"),
        FieldKind::MultiChoice => {
            let picked: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                single @ Value::String(_) => vec![single],
                _ => return Err("error.choice"),
            };
            let mut chosen: Vec<Value> = Vec::new();
            for item in picked {
                let item = item
                    .as_str()
                    .map(str::trim)
                    .filter(|v| field.choices.iter().any(|c| c == v))
                    .ok_or("error.choice")?;
                if !chosen.iter().any(|c| c == item) {
                    chosen.push(Value::String(item.to_owned()));
                }
            }
            Ok(Value::Array(chosen))
        }
        FieldKind::Person => value
            .as_str()
            .and_then(|s| super::Email::parse(s).ok())
            .map(|e| Value::String(e.as_str().to_owned()))
            .ok_or("error.email"),
        FieldKind::Checkbox => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) if matches!(s.trim(), "on" | "true" | "yes") => Ok(Value::Bool(true)),
            Value::String(s) if matches!(s.trim(), "false" | "no") => Ok(Value::Bool(false)),
            _ => Err("error.boolean"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Vec<FormField> {
        serde_json::from_value(json!([
            {"key": "start_date", "label": "Start date", "kind": "date", "required": true},
            {"key": "laptop", "label": "Laptop", "kind": "choice", "choices": ["Standard", "Developer"], "required": true},
            {"key": "reason", "label": "Why a developer laptop?", "kind": "long_text", "required": true,
             "show_when": {"field": "laptop", "equals": "Developer"}},
            {"key": "software", "label": "Software", "kind": "multi_choice", "choices": ["Office", "SAP", "IDE"]},
            {"key": "manager", "label": "Manager", "kind": "person"},
            {"key": "monitors", "label": "Monitors", "kind": "number"},
            {"key": "privacy", "label": "I accept the policy", "kind": "checkbox", "required": true}
        ]))
        .unwrap()
    }

    fn check(values: &Value) -> (Map<String, Value>, Vec<(String, &'static str)>) {
        let mut invalid = Invalid::default();
        let answers = check_values(&mut invalid, "values", &form(), values.as_object().unwrap());
        (
            answers,
            invalid.0.into_iter().map(|e| (e.field, e.key)).collect(),
        )
    }

    #[test]
    fn good_answers_are_normalised_in_form_order() {
        let (answers, errors) = check(&json!({
            "privacy": "on", "monitors": "2", "software": "SAP", "laptop": " Standard ",
            "start_date": "2027-01-04", "manager": "Anna@Example.com", "reason": "ignored: hidden"
        }));
        assert_eq!(errors, vec![]);
        assert_eq!(
            Value::Object(answers),
            json!({"start_date": "2027-01-04", "laptop": "Standard", "software": ["SAP"],
                   "manager": "anna@example.com", "monitors": 2, "privacy": true})
        );
    }

    #[test]
    fn every_bad_answer_is_named() {
        let (_, errors) = check(&json!({
            "start_date": "04.01.2027", "laptop": "Developer", "software": ["SAP", "Games"],
            "manager": "not an address", "monitors": "many", "privacy": false, "colour": "red"
        }));
        assert_eq!(
            errors,
            vec![
                ("values.colour".to_owned(), "error.unknown_field"),
                ("values.start_date".to_owned(), "error.date"),
                ("values.reason".to_owned(), "error.required"),
                ("values.software".to_owned(), "error.choice"),
                ("values.manager".to_owned(), "error.email"),
                ("values.monitors".to_owned(), "error.number"),
                ("values.privacy".to_owned(), "error.must_tick"),
            ]
        );
        let (_, errors) = check(&json!({"laptop": 3}));
        assert!(errors.contains(&("values.laptop".to_owned(), "error.choice")));
        assert!(errors.contains(&("values.start_date".to_owned(), "error.required")));
        assert!(errors.contains(&("values.privacy".to_owned(), "error.must_tick")));
    }

    #[test]
    fn a_definition_names_every_mistake() {
        let fields: Vec<FormField> = serde_json::from_value(json!([
            {"key": "Start", "label": "", "kind": "text", "choices": ["a"]},
            {"key": "kind", "label": "Kind", "kind": "choice", "choices": []},
            {"key": "kind", "label": "Again", "kind": "multi_choice", "choices": ["x", "x", " y"]},
            {"key": "later", "label": "Later", "kind": "text", "show_when": {"field": "nowhere", "equals": "x"}},
            {"key": "other", "label": "Other", "kind": "text", "show_when": {"field": "kind", "equals": "z"}}
        ]))
        .unwrap();
        let mut invalid = Invalid::default();
        check_definition(&mut invalid, "fields", &fields);
        let got: Vec<(String, &str)> = invalid.0.into_iter().map(|e| (e.field, e.key)).collect();
        assert_eq!(
            got,
            vec![
                ("fields[0].key".to_owned(), "error.field_key"),
                ("fields[0].label".to_owned(), "error.required"),
                ("fields[0].choices".to_owned(), "error.choices_not_allowed"),
                ("fields[1].choices".to_owned(), "error.choices_required"),
                ("fields[2].key".to_owned(), "error.field_key_taken"),
                ("fields[2].choices[1]".to_owned(), "error.choice_twice"),
                ("fields[2].choices[2]".to_owned(), "error.choice_text"),
                (
                    "fields[3].show_when.field".to_owned(),
                    "error.condition_field"
                ),
                (
                    "fields[4].show_when.equals".to_owned(),
                    "error.condition_value"
                ),
            ]
        );
        let mut fine = Invalid::default();
        check_definition(&mut fine, "fields", &form());
        assert!(fine.is_empty(), "{fine:?}");
    }
}
