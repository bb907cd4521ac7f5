//! [`RawJson`]: a provider's own JSON, kept as received.

use std::fmt;

use bytes::Bytes;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A provider's own JSON payload, kept as the text it arrived as and parsed only when read.
///
/// [`Envelope::raw`](crate::Envelope::raw) and [`Event::raw`](crate::Event::raw) hold one, so
/// anything an adapter does not normalize stays reachable. Keeping the text instead of a parsed
/// tree means an adapter reads each answer once, into its typed form, and an envelope nobody
/// inspects costs no tree; cloning shares the bytes.
///
/// The text is always one valid JSON value in UTF-8: every constructor checks it. An empty
/// `RawJson` (the [`Default`]) stands for no payload and reads as `null`.
///
/// Equality compares the JSON values, not the spelling: `{"a": 1}` equals `{"a":1}`, and a
/// `RawJson` can be compared with a [`serde_json::Value`]. With `serde`, it is written as the JSON
/// value it holds, so an [`Envelope`](crate::Envelope) round-trips through any format.
///
/// ```
/// use serde::Deserialize;
/// use serde_json::json;
/// use signing_core::RawJson;
///
/// #[derive(Deserialize)]
/// struct Status {
///     status: String,
/// }
///
/// // An adapter reads the answer once, into its typed form, and keeps the text.
/// let (status, raw) = RawJson::decode::<Status>(r#"{"status": "Pending", "brandNew": [1, 2]}"#)?;
/// assert_eq!(status.status, "Pending");
///
/// // An application reads what was not normalized when it needs it.
/// assert_eq!(raw.to_value()?["brandNew"], json!([1, 2]));
/// assert_eq!(raw, json!({"status": "Pending", "brandNew": [1, 2]}));
/// assert!(RawJson::new("{not json").is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct RawJson {
    // Empty for no payload; otherwise one JSON value in UTF-8 (checked by every constructor).
    text: Bytes,
}

impl RawJson {
    /// Takes `json` after checking that it is exactly one JSON value in UTF-8.
    pub fn new(json: impl Into<Bytes>) -> serde_json::Result<Self> {
        Self::decode::<IgnoredAny>(json).map(|(_, raw)| raw)
    }

    /// Reads `json` as a `T` and keeps the text: the one pass that checks the text also gives
    /// the typed value.
    pub fn decode<T: DeserializeOwned>(json: impl Into<Bytes>) -> serde_json::Result<(T, Self)> {
        let text = json.into();
        let value = serde_json::from_slice(&text)?;
        // serde_json does not check the UTF-8 of strings it skips; `as_str` relies on it.
        if let Err(err) = std::str::from_utf8(&text) {
            return Err(serde::de::Error::custom(format!(
                "invalid UTF-8 at byte {}",
                err.valid_up_to()
            )));
        }
        Ok((value, Self { text }))
    }

    /// Whether there is no payload, or the payload is `null`.
    pub fn is_null(&self) -> bool {
        self.text.is_empty() || self.as_str().trim() == "null"
    }

    /// The JSON text as received (`null` when there is no payload).
    pub fn as_str(&self) -> &str {
        if self.text.is_empty() {
            return "null";
        }
        // Checked by every constructor; the fallback is never taken.
        std::str::from_utf8(&self.text).unwrap_or("null")
    }

    /// The JSON text's bytes, sharing them rather than copying.
    pub fn to_bytes(&self) -> Bytes {
        if self.text.is_empty() {
            return Bytes::from_static(b"null");
        }
        self.text.clone()
    }

    /// Parses the payload into a [`serde_json::Value`].
    ///
    /// Fails only where the text is valid JSON that a `Value` cannot hold, such as a number
    /// beyond the range of `f64`.
    pub fn to_value(&self) -> serde_json::Result<Value> {
        self.deserialize()
    }

    /// Reads the payload as a `T`: the provider-specific shape an application cares about.
    pub fn deserialize<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.as_str())
    }
}

impl From<&Value> for RawJson {
    fn from(value: &Value) -> Self {
        if value.is_null() {
            return Self::default();
        }
        // Writing a `Value` cannot fail: its map keys are strings and its numbers are finite.
        let text = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        Self {
            text: Bytes::from(text),
        }
    }
}

impl From<Value> for RawJson {
    fn from(value: Value) -> Self {
        Self::from(&value)
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
            || matches!((self.to_value(), other.to_value()), (Ok(a), Ok(b)) if a == b)
    }
}

impl PartialEq<Value> for RawJson {
    fn eq(&self, other: &Value) -> bool {
        self.to_value().is_ok_and(|value| value == *other)
    }
}

impl PartialEq<RawJson> for Value {
    fn eq(&self, other: &RawJson) -> bool {
        other == self
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({})", self.as_str())
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_constructor_checks_the_text() {
        assert!(RawJson::new(r#"{"a": [1, 2]}"#).is_ok());
        for bad in [
            &b""[..],
            b"{",
            b"{} {}",
            b"[1,]",
            b"\"\\x\"",
            b"{\"a\": \"\xff\"}",
            b"\"\xc3\x28\"",
        ] {
            assert!(RawJson::new(bad).is_err(), "{bad:?}");
        }
        let (n, raw) = RawJson::decode::<u32>(" 7 ").unwrap();
        assert_eq!((n, raw.as_str()), (7, " 7 "));
        assert!(RawJson::decode::<u32>("\"7\"").is_err());
    }

    #[test]
    fn no_payload_reads_as_null() {
        let none = RawJson::default();
        assert!(none.is_null());
        assert_eq!(none.as_str(), "null");
        assert_eq!(none.to_value().unwrap(), Value::Null);
        assert_eq!(none, RawJson::from(Value::Null));
        assert_eq!(none, RawJson::new("null").unwrap());
        assert!(RawJson::new(" null ").unwrap().is_null());
        assert!(!RawJson::new("0").unwrap().is_null());
    }

    #[test]
    fn equality_is_of_values_not_spelling() {
        let spaced = RawJson::new(r#"{ "b": 1, "a": [true, null] }"#).unwrap();
        let compact = RawJson::from(json!({"a": [true, null], "b": 1}));
        assert_eq!(spaced, compact);
        assert_eq!(spaced, json!({"a": [true, null], "b": 1}));
        assert_eq!(json!({"a": [true, null], "b": 1}), spaced);
        assert_ne!(spaced, RawJson::from(json!({"b": 2})));
        // Text that a `Value` cannot hold still equals itself.
        let huge = RawJson::new("1e999").unwrap();
        assert!(huge.to_value().is_err());
        assert_eq!(huge, huge.clone());
        assert_ne!(huge, RawJson::new("2e999").unwrap());
    }

    #[test]
    fn serde_writes_the_value_it_holds() {
        let raw = RawJson::new(r#"{"x": {"y": [1, 2.5, "z"]}}"#).unwrap();
        let written = serde_json::to_value(&raw).unwrap();
        assert_eq!(written, json!({"x": {"y": [1, 2.5, "z"]}}));
        let read: RawJson = serde_json::from_value(written).unwrap();
        assert_eq!(read, raw);
        let none: RawJson = serde_json::from_str("null").unwrap();
        assert!(none.is_null());
        assert!(serde_json::to_string(&RawJson::new("1e999").unwrap()).is_err());
    }

    #[test]
    fn typed_reads_and_shared_bytes() {
        #[derive(Deserialize)]
        struct Shape {
            status: String,
        }
        let raw = RawJson::new(r#"{"status": "Signed"}"#).unwrap();
        assert_eq!(raw.deserialize::<Shape>().unwrap().status, "Signed");
        assert_eq!(
            raw.to_bytes(),
            Bytes::from_static(br#"{"status": "Signed"}"#)
        );
        assert_eq!(raw.to_string(), r#"{"status": "Signed"}"#);
        assert_eq!(format!("{raw:?}"), r#"RawJson({"status": "Signed"})"#);
    }
}
