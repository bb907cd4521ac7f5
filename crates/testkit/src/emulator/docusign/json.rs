//! Checking request bodies against the specification's shapes, and reading their fields.
//!
//! A body is first walked against the [`spec`](super::spec) tables: every property must be one
//! the specification declares for that definition, and have the declared JSON type. DocuSign
//! declares almost every number and boolean as a string (`"routingOrder": "1"`,
//! `"show": "false"`); a client that sends a JSON number or boolean there is refused with 400
//! `INVALID_REQUEST_BODY`, as is one that misspells a property. `null` is accepted anywhere and
//! read as absent.

use serde_json::{Map, Value};

use super::api_error::ApiError;
use super::spec::{self, Item, Kind};

/// Deeper than any nesting of the checked definitions: a guard, not a limit clients meet.
const MAX_DEPTH: usize = 8;

/// Checks `value` against the definition `definition` of the specification.
pub(super) fn check(value: &Value, definition: &str) -> Result<(), ApiError> {
    check_value(value, definition, definition, 0).map_err(ApiError::bad_body)
}

fn check_value(value: &Value, definition: &str, at: &str, depth: usize) -> Result<(), String> {
    let Value::Object(object) = value else {
        return Err(format!("`{at}` must be a JSON object."));
    };
    let Some(properties) = spec::properties(definition) else {
        return Ok(());
    };
    if depth > MAX_DEPTH {
        return Err(format!("`{at}` is nested too deeply."));
    }
    for (key, value) in object {
        let Some((_, kind)) = properties.iter().find(|(name, _)| name == key) else {
            return Err(format!(
                "`{at}.{key}` is not a property of {definition}; property names are case-sensitive."
            ));
        };
        check_kind(value, *kind, &format!("{at}.{key}"), depth)?;
    }
    Ok(())
}

fn check_kind(value: &Value, kind: Kind, at: &str, depth: usize) -> Result<(), String> {
    match (kind, value) {
        (_, Value::Null)
        | (Kind::String, Value::String(_))
        | (Kind::Boolean, Value::Bool(_))
        | (Kind::Object(None), Value::Object(_)) => Ok(()),
        (Kind::String, _) => Err(format!(
            "`{at}` must be a JSON string: DocuSign sends numbers and booleans as strings, such as \"1\" and \"true\"."
        )),
        (Kind::Boolean, _) => Err(format!("`{at}` must be a JSON boolean.")),
        (Kind::Object(Some(definition)), Value::Object(_)) => {
            check_value(value, definition, at, depth + 1)
        }
        (Kind::Object(_), _) => Err(format!("`{at}` must be a JSON object.")),
        (Kind::Array(item), Value::Array(items)) => {
            for (index, value) in items.iter().enumerate() {
                let at = format!("{at}[{index}]");
                match (item, value) {
                    (Item::String, Value::String(_)) => {}
                    (Item::String, _) => {
                        return Err(format!("`{at}` must be a JSON string."));
                    }
                    (Item::Object(definition), Value::Object(_)) => {
                        if let Some(definition) = definition {
                            check_value(value, definition, &at, depth + 1)?;
                        }
                    }
                    (Item::Object(_), _) => {
                        return Err(format!("`{at}` must be a JSON object."));
                    }
                }
            }
            Ok(())
        }
        (Kind::Array(_), _) => Err(format!("`{at}` must be a JSON array.")),
    }
}

/// Parses a JSON request body.
pub(super) fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_body("The body is empty."));
    }
    serde_json::from_slice(body).map_err(|error| ApiError::bad_body(format!("{error}.")))
}

/// The object inside `value`; the checks above make sure a checked body is one.
pub(super) fn object(value: &Value) -> Option<&Map<String, Value>> {
    value.as_object()
}

/// A string property; `None` when absent or `null`. Only used after [`check`], which makes sure
/// declared string properties hold strings.
pub(super) fn string<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// The items of an array property; empty when absent or `null`.
pub(super) fn array<'a>(object: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    object
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A boolean sent as a string: `"true"` or `"false"`, in any case, as .NET reads them.
pub(super) fn flag(
    object: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<bool>, ApiError> {
    match string(object, key) {
        None => Ok(None),
        Some(text) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(text) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(text) => Err(ApiError::bad_body(format!(
            "`{at}.{key}` must be \"true\" or \"false\", not \"{text}\"."
        ))),
    }
}

/// A whole number sent as a string, between `min` and `2147483647`.
pub(super) fn number(
    object: &Map<String, Value>,
    key: &str,
    at: &str,
    min: u32,
) -> Result<Option<u32>, ApiError> {
    let Some(text) = string(object, key) else {
        return Ok(None);
    };
    parse_number(text, min)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_body(format!(
                "`{at}.{key}` must be a whole number from {min} to 2147483647 written as a string, not \"{text}\"."
            ))
        })
}

/// A whole number from `min` to `i32::MAX`, written with digits only.
pub(super) fn parse_number(text: &str, min: u32) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let value: u32 = text.parse().ok()?;
    (min..=2_147_483_647).contains(&value).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_required_where_the_spec_declares_them() {
        let good = json!({
            "emailSubject": "Please sign",
            "status": "sent",
            "recipients": {"signers": [{"email": "a@example.com", "routingOrder": "1"}]},
            "customFields": {"textCustomFields": [{"name": "ref", "value": "1", "show": "false"}]},
            "eventNotification": {"url": "https://x", "eventData": {"version": "restv2.1", "includeData": ["recipients"]}},
            "documents": [{"documentId": "1", "signerMustAcknowledgeUseAccountDefault": true}],
            "templateId": null
        });
        assert_eq!(check(&good, "envelopeDefinition"), Ok(()));
        let cases = [
            json!({"recipients": {"signers": [{"routingOrder": 1}]}}),
            json!({"customFields": {"textCustomFields": [{"show": false}]}}),
            json!({"documents": [{"documentId": 1}]}),
            json!({"documents": {"documentId": "1"}}),
            json!({"recipients": {"signers": ["a@example.com"]}}),
            json!({"eventNotification": {"eventData": {"includeData": [1]}}}),
            json!({"emailsubject": "x"}),
            json!({"recipients": {"signer": []}}),
            json!(["x"]),
        ];
        for body in cases {
            let error = check(&body, "envelopeDefinition").expect_err("refused");
            assert_eq!(error.code, "INVALID_REQUEST_BODY", "{body}");
        }
        let error = check(
            &json!({"recipients": {"signers": [{"routingOrder": 1}]}}),
            "envelopeDefinition",
        )
        .expect_err("refused");
        assert!(
            error
                .message
                .contains("`envelopeDefinition.recipients.signers[0].routingOrder`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn flags_and_numbers_are_read_from_strings() {
        let object = json!({"a": "TRUE", "b": "false", "c": "yes", "n": "12", "z": "0", "m": "-1"});
        let object = object.as_object().expect("object");
        assert_eq!(flag(object, "a", "x").expect("flag"), Some(true));
        assert_eq!(flag(object, "b", "x").expect("flag"), Some(false));
        assert_eq!(flag(object, "missing", "x").expect("flag"), None);
        assert!(flag(object, "c", "x").is_err());
        assert_eq!(number(object, "n", "x", 1).expect("number"), Some(12));
        assert!(number(object, "z", "x", 1).is_err());
        assert!(number(object, "m", "x", 0).is_err());
        assert_eq!(parse_number("2147483647", 1), Some(2_147_483_647));
        assert_eq!(parse_number("2147483648", 1), None);
        assert_eq!(parse_number("+1", 1), None);
    }
}
