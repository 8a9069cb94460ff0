//! Completes the generated OpenAPI document with the rules that hold for every operation, so
//! that it tells the whole truth without each handler repeating them: the error statuses an
//! operation can answer (as `application/problem+json` with the `Problem` schema), and the
//! syntax of the headers every operation reads the same way.

use serde_json::{Value, json};

/// The media type of every error body.
const PROBLEM_JSON: &str = "application/problem+json";

/// The syntax of `Idempotency-Key`: 1 to 255 visible ASCII characters, no spaces around.
const IDEMPOTENCY_KEY: &str = r"^[!-~](?:[ -~]{0,253}[!-~])?$";
/// The syntax of `If-Match`: a version as `ETag` sends it (`"3"`, weak `W/"3"`; the quotes
/// may be left out), or `*`.
const IF_MATCH: &str = r#"^(\*|(W/)?"?[0-9]{1,18}"?)$"#;

/// Text without NUL, which PostgreSQL cannot store (and the server refuses, naming the field).
const NO_NUL: &str = r"^[^\u0000]*$";

/// The document's `webhooks`: one entry per event type, each the request Leitstand sends.
fn add_webhooks(doc: &mut Value) {
    let header = |name: &str, description: &str| {
        json!({"name": name, "in": "header", "required": true, "description": description,
               "schema": {"type": "string"}})
    };
    let mut webhooks = serde_json::Map::new();
    let types = crate::domain::webhook::event_types().chain(["webhook.test".to_owned()]);
    for event_type in types {
        webhooks.insert(
            event_type.clone(),
            json!({"post": {
                "summary": format!("`{event_type}`"),
                "description": "Sent at least once to every enabled endpoint that wants the type \
                    (and may hear of the record's department); deduplicate on `webhook-id`. \
                    Answer 2xx within 15 s; anything else is retried for about three days, \
                    honouring `Retry-After`; 410 disables the endpoint.",
                "parameters": [
                    header("webhook-id", "`evt_<n>`: the event, the same at every attempt"),
                    header("webhook-timestamp", "Seconds since 1970 when this attempt was signed"),
                    header("webhook-signature", "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, \
                        keyed with the base64-decoded part of the secret after `whsec_`; two, \
                        separated by a space, while a rotated secret is honoured"),
                ],
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/WebhookEvent"}}}},
                "responses": {"2XX": {"description": "received"}}
            }}),
        );
    }
    if let Some(object) = doc.as_object_mut() {
        object.insert("webhooks".to_owned(), Value::Object(webhooks));
    }
}

/// Applies the rules to a whole document (as JSON).
pub fn complete(doc: &mut Value) {
    add_webhooks(doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            forbid_nul(schema);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                complete_operation(path, operation);
            }
        }
    }
}

/// The error statuses one operation can answer, by what it takes.
fn error_statuses(path: &str, operation: &Value) -> Vec<u16> {
    let params = operation["parameters"].as_array();
    let has_param = |name: &str| {
        params.is_some_and(|p| {
            p.iter().any(|p| {
                p["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        })
    };
    let authenticated = operation.get("security").is_some();
    let mut statuses = vec![400];
    if authenticated {
        statuses.extend([401, 403]);
    }
    if path.contains('{') {
        statuses.push(404);
    }
    if has_param("If-Match") {
        statuses.push(412);
    }
    if operation.get("requestBody").is_some() {
        statuses.extend([413, 415, 422]);
    } else if params.is_some_and(|p| p.iter().any(|p| p["in"] == "query")) {
        // A well-formed filter naming nothing known, or a cursor not issued here.
        statuses.push(422);
    }
    statuses
}

fn complete_operation(path: &str, operation: &mut Value) {
    let statuses = error_statuses(path, operation);
    let responses = operation
        .as_object_mut()
        .expect("an operation is an object")
        .entry("responses")
        .or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    for status in statuses {
        responses
            .entry(status.to_string())
            .or_insert_with(|| json!({"description": reason(status)}));
    }
    for (status, response) in responses.iter_mut() {
        let code: u16 = status.parse().unwrap_or(0);
        // 412 carries the current representation; every other error is a problem document.
        if (400..600).contains(&code) && code != 412 {
            response["content"] = json!({
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
            });
        }
    }
    if let Some(params) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for param in params {
            let pattern = match param["name"]
                .as_str()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("idempotency-key") => IDEMPOTENCY_KEY,
                Some("if-match") => IF_MATCH,
                _ => {
                    if let Some(schema) = param.get_mut("schema") {
                        forbid_nul(schema);
                    }
                    continue;
                }
            };
            param["schema"] = json!({"type": "string", "pattern": pattern});
        }
    }
}

/// Every free-text string in `schema` (no enum, format or pattern of its own) gets the no-NUL
/// pattern, recursively through properties, items and alternatives.
fn forbid_nul(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let is_string = match object.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    if is_string
        && !["enum", "format", "pattern", "$ref"]
            .iter()
            .any(|k| object.contains_key(*k))
    {
        object.insert("pattern".to_owned(), json!(NO_NUL));
    }
    for key in ["properties"] {
        if let Some(properties) = object.get_mut(key).and_then(Value::as_object_mut) {
            properties.values_mut().for_each(forbid_nul);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = object.get_mut(key) {
            forbid_nul(inner);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(alternatives) = object.get_mut(key).and_then(Value::as_array_mut) {
            alternatives.iter_mut().for_each(forbid_nul);
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "A malformed body, parameter or header; the problem names it",
        401 => "No valid token (`WWW-Authenticate: Bearer`)",
        403 => "The role (or the group write scope) does not allow this",
        404 => "No such record, or one the caller may not see",
        409 => "The workflow or a duplicate forbids this",
        412 => "`If-Match` is stale",
        413 => "The body is over 1 MiB",
        415 => "The body is not `application/json`",
        422 => "Invalid fields; `errors` names each",
        429 => "Too many attempts; see `Retry-After`",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_lists_its_error_statuses_as_problem_documents() {
        let mut doc = json!({"paths": {
            "/api/v1/incidents/{number}": {
                "patch": {
                    "security": [{"bearer": []}],
                    "parameters": [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
                    "requestBody": {"content": {}},
                    "responses": {
                        "200": {"description": "ok"},
                        "404": {"description": "gone", "content": {"application/json": {}}},
                        "412": {"description": "stale", "content": {"application/json": {"schema": {"$ref": "#/x"}}}}
                    }
                }
            },
            "/healthz": {"get": {"responses": {"200": {"description": "ok"}}}}
        }});
        complete(&mut doc);
        let patch = &doc["paths"]["/api/v1/incidents/{number}"]["patch"];
        let mut listed: Vec<&String> = patch["responses"].as_object().unwrap().keys().collect();
        listed.sort();
        assert_eq!(
            listed,
            [
                "200", "400", "401", "403", "404", "412", "413", "415", "422"
            ]
        );
        assert!(patch["responses"]["404"]["content"][PROBLEM_JSON].is_object());
        assert!(patch["responses"]["404"]["content"]["application/json"].is_null());
        assert_eq!(
            patch["responses"]["412"]["content"]["application/json"]["schema"]["$ref"], "#/x",
            "412 keeps the current representation"
        );
        assert_eq!(patch["parameters"][0]["schema"]["pattern"], IF_MATCH);
        let health = &doc["paths"]["/healthz"]["get"]["responses"];
        assert!(health["400"].is_object() && health["401"].is_null());
    }
}
