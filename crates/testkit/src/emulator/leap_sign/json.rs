//! The JSON shapes on the wire: the people inside the launch-new form, the process data and the
//! error body.
//!
//! Everything is handled as raw [`serde_json::Value`] so that the accepted shapes are spelled out
//! here key by key, and an unexpected key is an error rather than silently ignored.

use bytes::Bytes;
use http::StatusCode;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::state::{Person, Project};

/// Keys a person object may hold.
const PERSON_KEYS: [&str; 4] = ["name", "organization", "email", "title"];

/// Parses the `projectOwner` part: one person object.
pub(crate) fn parse_owner(text: &str) -> Result<Person, String> {
    let value = parse(text, "projectOwner")?;
    parse_person(&value, "projectOwner")
}

/// Parses the `signers` part: `{"signers": [person, ...]}` with at least one signer.
pub(crate) fn parse_signers(text: &str) -> Result<Vec<Person>, String> {
    let value = parse(text, "signers")?;
    let Value::Object(wrapper) = value else {
        return Err("signers must be a JSON object {\"signers\": [...]}".to_owned());
    };
    reject_unknown_keys(&wrapper, &["signers"], "signers")?;
    let Some(Value::Array(list)) = wrapper.get("signers") else {
        return Err("signers must hold an array under the key \"signers\"".to_owned());
    };
    if list.is_empty() {
        return Err("signers must name at least one signer".to_owned());
    }
    list.iter()
        .enumerate()
        .map(|(index, value)| parse_person(value, &format!("signers[{index}]")))
        .collect()
}

/// Parses the `additionalRecipients` part: a JSON array of e-mail address strings.
pub(crate) fn parse_recipients(text: &str) -> Result<Vec<String>, String> {
    let value = parse(text, "additionalRecipients")?;
    let Value::Array(list) = value else {
        return Err("additionalRecipients must be a JSON array of strings".to_owned());
    };
    list.into_iter()
        .map(|item| match item {
            Value::String(email) if !email.is_empty() => Ok(email),
            _ => Err("additionalRecipients must hold non-empty strings only".to_owned()),
        })
        .collect()
}

fn parse(text: &str, part: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|err| format!("{part} is not valid JSON: {err}"))
}

fn parse_person(value: &Value, what: &str) -> Result<Person, String> {
    let Value::Object(object) = value else {
        return Err(format!("{what} must be a JSON object"));
    };
    reject_unknown_keys(object, &PERSON_KEYS, what)?;
    Ok(Person {
        name: required_string(object, "name", what)?,
        organization: optional_string(object, "organization", what)?,
        email: required_string(object, "email", what)?,
        title: optional_string(object, "title", what)?,
    })
}

fn reject_unknown_keys(
    object: &Map<String, Value>,
    allowed: &[&str],
    what: &str,
) -> Result<(), String> {
    match object.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(format!("{what} has an unknown key \"{key}\"")),
        None => Ok(()),
    }
}

fn required_string(object: &Map<String, Value>, key: &str, what: &str) -> Result<String, String> {
    match object.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        _ => Err(format!("{what}.{key} must be a non-empty string")),
    }
}

fn optional_string(
    object: &Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(format!("{what}.{key} must be a string or null")),
    }
}

/// Renders a project as "get process data" and launch-new return it.
pub(crate) fn process_data(project: &Project) -> Value {
    let signers: Vec<Value> = project
        .signers
        .iter()
        .zip(1_u64..)
        .map(|(signer, order)| {
            json!({
                "order": order,
                "name": signer.person.name,
                "organization": signer.person.organization,
                "email": signer.person.email,
                "title": signer.person.title,
                "status": signer.status.as_str(),
                "signed": signer.signed_at.is_some(),
                "notifiedAt": signer.notified_at.map(timestamp),
                "signedAt": signer.signed_at.map(timestamp),
            })
        })
        .collect();
    json!({
        "projectId": project.id,
        "name": project.name,
        "status": project.status.as_str(),
        "createdThroughSignApi": project.created_through_sign_api,
        "projectOwner": person(&project.owner),
        "orderedSigners": project.ordered,
        "additionalRecipients": project.additional_recipients,
        "createdAt": timestamp(project.created_at),
        "completedAt": project.completed_at.map(timestamp),
        "cancelledAt": project.cancelled_at.map(timestamp),
        "document": {
            "name": project.document.name,
            "contentType": project.document.content_type,
            "size": project.document.size,
        },
        "workflow": { "signers": signers },
    })
}

fn person(person: &Person) -> Value {
    json!({
        "name": person.name,
        "organization": person.organization,
        "email": person.email,
        "title": person.title,
    })
}

/// RFC 3339 in UTC, e.g. `2026-01-02T03:04:05Z`.
pub(crate) fn timestamp(at: OffsetDateTime) -> String {
    // Formatting fails only for years outside 0..=9999, which the emulator's clock never reaches.
    at.format(&Rfc3339).unwrap_or_default()
}

/// The error body every failure carries: `{"status", "error", "message"}`.
pub(crate) fn error_body(status: StatusCode, message: &str) -> Bytes {
    let body = json!({
        "status": status.as_u16(),
        "error": reason_code(status),
        "message": message,
    });
    Bytes::from(body.to_string())
}

/// The reason phrase in upper snake case (`"Bad Request"` -> `"BAD_REQUEST"`).
pub(crate) fn reason_code(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("Unknown Error")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_accepts_the_documented_shape_only() {
        let owner = parse_owner(r#"{"name":"Olga","organization":null,"email":"o@example.com"}"#)
            .expect("valid owner");
        assert_eq!(owner.name, "Olga");
        assert_eq!(owner.organization, None);
        assert!(parse_owner(r#"{"name":"Olga","email":"o@example.com","phone":"1"}"#).is_err());
        assert!(parse_owner(r#"{"name":"Olga"}"#).is_err());
        assert!(parse_owner(r#"{"name":"","email":"o@example.com"}"#).is_err());
        assert!(parse_owner(r#"{"name":"Olga","email":"o@example.com","title":3}"#).is_err());
        assert!(parse_owner(r#"["Olga"]"#).is_err());
        assert!(parse_owner("{").is_err());
    }

    #[test]
    fn signers_need_the_wrapping_object() {
        let wrapped = r#"{"signers":[{"name":"A","email":"a@example.com","title":"CEO"}]}"#;
        let signers = parse_signers(wrapped).expect("valid signers");
        assert_eq!(signers.len(), 1);
        assert_eq!(signers[0].title.as_deref(), Some("CEO"));
        assert!(parse_signers(r#"[{"name":"A","email":"a@example.com"}]"#).is_err());
        assert!(parse_signers(r#"{"signers":[]}"#).is_err());
        assert!(parse_signers(r#"{"signers":[],"x":1}"#).is_err());
        assert!(parse_signers(r#"{"signers":[{"name":"A"}]}"#).is_err());
    }

    #[test]
    fn recipients_are_an_array_of_strings() {
        assert_eq!(
            parse_recipients(r#"["cc@example.com"]"#),
            Ok(vec!["cc@example.com".to_owned()])
        );
        assert_eq!(parse_recipients("[]"), Ok(Vec::new()));
        assert!(parse_recipients(r#""cc@example.com""#).is_err());
        assert!(parse_recipients("[1]").is_err());
    }

    #[test]
    fn error_body_names_the_reason() {
        assert_eq!(reason_code(StatusCode::BAD_REQUEST), "BAD_REQUEST");
        assert_eq!(
            reason_code(StatusCode::INTERNAL_SERVER_ERROR),
            "INTERNAL_SERVER_ERROR"
        );
        let body: Value =
            serde_json::from_slice(&error_body(StatusCode::FORBIDDEN, "bad key")).expect("json");
        assert_eq!(
            body,
            json!({"status": 403, "error": "FORBIDDEN", "message": "bad key"})
        );
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let at = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        assert_eq!(timestamp(at), "2026-01-02T03:04:05Z");
    }
}
