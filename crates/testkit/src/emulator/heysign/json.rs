//! Strict reading of JSON request bodies: every field is checked by name and type, and a field
//! the endpoint does not know is refused, so a misspelt field name fails loudly.

use http::{HeaderMap, header};
use serde_json::{Map, Value};

use super::ids;
use super::problem::ApiError;

/// A JSON object as stored and sent by the emulator.
pub(super) type Object = Map<String, Value>;

/// Parses a JSON request body, which must be declared as JSON.
pub(super) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::unsupported_media_type("application/json"));
    }
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("the body is not valid JSON: {error}")))
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// The fields of one JSON object, read under a path used in error messages
/// (`documents[0].file_id`).
pub(super) struct Fields<'a> {
    map: &'a Object,
    path: String,
}

impl<'a> Fields<'a> {
    /// Checks that `value` is an object whose fields are all in `allowed`.
    pub(super) fn new(value: &'a Value, path: &str, allowed: &[&str]) -> Result<Self, ApiError> {
        let Value::Object(map) = value else {
            let what = if path.is_empty() { "the body" } else { path };
            return Err(ApiError::bad_request(format!(
                "{what} must be a JSON object"
            )));
        };
        let fields = Self {
            map,
            path: path.to_owned(),
        };
        if let Some(unknown) = map.keys().find(|key| !allowed.contains(&key.as_str())) {
            return Err(ApiError::bad_request(format!(
                "unknown field `{}`",
                fields.name(unknown)
            )));
        }
        Ok(fields)
    }

    /// The full path of `key` inside the body, for error messages.
    pub(super) fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Whether `key` is present at all, even as `null`.
    pub(super) fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The value of `key`, treating `null` as absent.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|value| !value.is_null())
    }

    /// Every field of the object, `null`s included, in key order.
    pub(super) fn entries(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.map.iter()
    }

    /// A string field that may be absent or `null`.
    pub(super) fn optional_str(&self, key: &str) -> Result<Option<&'a str>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(ApiError::bad_request(format!(
                "`{}` must be a string",
                self.name(key)
            ))),
        }
    }

    /// A string field that must be present and non-empty.
    pub(super) fn required_str(&self, key: &str) -> Result<&'a str, ApiError> {
        match self.optional_str(key)? {
            Some(text) if !text.trim().is_empty() => Ok(text),
            Some(_) => Err(ApiError::bad_request(format!(
                "`{}` must not be empty",
                self.name(key)
            ))),
            None => Err(ApiError::bad_request(format!(
                "`{}` is required",
                self.name(key)
            ))),
        }
    }

    /// A UUID field that must be present; returned in canonical form.
    pub(super) fn required_id(&self, key: &str) -> Result<String, ApiError> {
        let text = self.required_str(key)?;
        self.parse_id(key, text)
    }

    /// A UUID field that may be absent or `null`; returned in canonical form.
    pub(super) fn optional_id(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.optional_str(key)?
            .map(|text| self.parse_id(key, text))
            .transpose()
    }

    fn parse_id(&self, key: &str, text: &str) -> Result<String, ApiError> {
        ids::canonical(text)
            .ok_or_else(|| ApiError::bad_request(format!("`{}` must be a UUID", self.name(key))))
    }

    /// A map of strings (`metadata`); absent or `null` reads as empty.
    pub(super) fn string_map(&self, key: &str) -> Result<Object, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(Object::new());
        };
        let Value::Object(map) = value else {
            return Err(ApiError::bad_request(format!(
                "`{}` must be an object of strings",
                self.name(key)
            )));
        };
        if let Some((entry, _)) = map.iter().find(|(_, value)| !value.is_string()) {
            return Err(ApiError::bad_request(format!(
                "`{}.{entry}` must be a string",
                self.name(key)
            )));
        }
        Ok(map.clone())
    }

    /// An array field; absent or `null` reads as empty.
    pub(super) fn array(&self, key: &str) -> Result<&'a [Value], ApiError> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(ApiError::bad_request(format!(
                "`{}` must be an array",
                self.name(key)
            ))),
        }
    }

    /// The elements of an array field, each read as an object with the `allowed` fields.
    pub(super) fn objects(&self, key: &str, allowed: &[&str]) -> Result<Vec<Fields<'a>>, ApiError> {
        self.array(key)?
            .iter()
            .enumerate()
            .map(|(index, item)| {
                Fields::new(item, &format!("{}[{index}]", self.name(key)), allowed)
            })
            .collect()
    }

    /// A nested object field that may be absent or `null`.
    pub(super) fn object(
        &self,
        key: &str,
        allowed: &[&str],
    ) -> Result<Option<Fields<'a>>, ApiError> {
        self.get(key)
            .map(|value| Fields::new(value, &self.name(key), allowed))
            .transpose()
    }
}

/// Whether `text` looks like an e-mail address: one `@` with a non-empty local part and a
/// dotted domain, and no whitespace.
pub(super) fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_named_with_their_path() {
        let body = json!({"documents": [{"file_id": "x", "fileid": "y"}]});
        let root = Fields::new(&body, "", &["documents"]).expect("known root fields");
        let error = root
            .objects("documents", &["file_id", "type"])
            .err()
            .expect("unknown nested field");
        assert!(format!("{error:?}").contains("documents[0].fileid"));
        assert!(Fields::new(&json!({"x": 1}), "", &["y"]).is_err());
        assert!(Fields::new(&json!([1]), "", &["y"]).is_err());
    }

    #[test]
    fn emails_are_checked_loosely() {
        assert!(looks_like_email("ada@example.com"));
        assert!(!looks_like_email("ada@example"));
        assert!(!looks_like_email("ada example.com"));
        assert!(!looks_like_email("@example.com"));
        assert!(!looks_like_email("a@@example.com"));
        assert!(!looks_like_email("a @example.com"));
    }
}
