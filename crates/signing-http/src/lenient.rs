//! Reading what a provider's documents leave open, leniently: serde helpers for fields whose
//! type or format is not promised, so one surprising value costs that field, not the answer.
//!
//! Use them on optional fields only; what a provider documents is read strictly.
//!
//! [`object`] and [`list`] read the value's JSON text, so they need serde_json's own
//! deserializer (`from_slice`, `from_str`, `from_value`), and not on a field of a
//! `#[serde(flatten)]` struct or of an untagged enum, which serde buffers in a form of its own:
//! there the whole answer fails to read.
//!
//! ```
//! use serde::Deserialize;
//! use signing_http::lenient;
//! use time::OffsetDateTime;
//!
//! #[derive(Deserialize)]
//! struct Signer {
//!     #[serde(default, with = "lenient::time")]
//!     signed_at: Option<OffsetDateTime>,
//!     #[serde(default, deserialize_with = "lenient::number")]
//!     order: Option<u32>,
//!     #[serde(default, deserialize_with = "lenient::boolean")]
//!     signed: Option<bool>,
//! }
//!
//! let s: Signer = serde_json::from_str(
//!     r#"{"signed_at": 1767323045000, "order": "2", "signed": "true"}"#,
//! ).unwrap();
//! assert_eq!(s.signed_at.unwrap().unix_timestamp(), 1_767_323_045);
//! assert_eq!(s.order, Some(2));
//! assert_eq!(s.signed, Some(true));
//! let s: Signer = serde_json::from_str(r#"{"signed_at": "soon", "order": [1], "signed": 7}"#).unwrap();
//! assert!(s.signed_at.is_none() && s.order.is_none() && s.signed.is_none());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde_json::value::RawValue;

/// An object of the expected shape, or `None` for anything else (another type, a broken shape):
/// one odd field costs that field, not the answer. Needs serde_json's deserializer (see the
/// [module](self) docs).
pub fn object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    // Read into `T` from the value's text: building a `Value` tree first, only to read it again
    // and drop it, made the adapters' reads a tenth slower than a plain parse.
    let raw = Option::<Box<RawValue>>::deserialize(deserializer)?;
    Ok(raw.and_then(|raw| serde_json::from_str(raw.get()).ok()))
}

/// A list whose items that cannot be read are left out; anything but a list is empty. Needs
/// serde_json's deserializer (see the [module](self) docs).
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    // As for `object`: each item read from its text.
    let Some(raw) = Option::<Box<RawValue>>::deserialize(deserializer)? else {
        return Ok(Vec::new());
    };
    let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(raw.get()) else {
        return Ok(Vec::new());
    };
    Ok(items
        .into_iter()
        .filter_map(|item| serde_json::from_str(item.get()).ok())
        .collect())
}

/// `null` (or a missing field, with `#[serde(default)]`) as the type's default.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// A number sent as a JSON number or as a string of digits; anything else is `None`.
pub fn number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64> + FromStr,
{
    struct Lenient<T>(std::marker::PhantomData<T>);

    impl<'de, T: TryFrom<u64> + FromStr> Visitor<'de> for Lenient<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number, or a string of digits, or anything else to be read as none")
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
            Ok(T::try_from(value).ok())
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok(u64::try_from(value).ok().and_then(|v| T::try_from(v).ok()))
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            Ok(value.trim().parse().ok())
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    deserializer.deserialize_any(Lenient(std::marker::PhantomData))
}

/// Text sent as a string or as a number (its decimal form); anything else is `None`. For ids
/// and names whose type is not promised.
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct Lenient;

    impl<'de> Visitor<'de> for Lenient {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number, or anything else to be read as none")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            Ok(Some(value.to_owned()))
        }

        fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
            Ok(Some(value))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
            Ok(Some(value.to_string()))
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok(Some(value.to_string()))
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    deserializer.deserialize_any(Lenient)
}

/// A value of an open set of names (an `open_enum!` status) sent as a string, any casing; a
/// value of another type (a number, an object) is `None`.
pub fn named<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::String(name)) => Some(T::from(name.as_str())),
            _ => None,
        },
    )
}

/// A boolean sent as `true`/`false` or as the strings `"true"`/`"false"` (any casing); anything
/// else is `None`.
pub fn boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    struct Lenient;

    impl<'de> Visitor<'de> for Lenient {
        type Value = Option<bool>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean, or \"true\"/\"false\", or anything else to be read as none")
        }

        fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
            Ok(Some(value))
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            Ok(match value.trim() {
                v if v.eq_ignore_ascii_case("true") => Some(true),
                v if v.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            })
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    deserializer.deserialize_any(Lenient)
}

/// Timestamps: written as RFC 3339; read from RFC 3339 (any offset, any fraction), a date-time
/// without an offset (read as UTC), or a Unix time in seconds or milliseconds; anything else is
/// `None` instead of failing the whole answer. Reads the text in place.
pub mod time {
    use std::fmt;

    use serde::de::{self, IgnoredAny, Visitor};
    use serde::{Deserializer, Serializer};
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{OffsetDateTime, PrimitiveDateTime};

    /// Writes an RFC 3339 time, or `null`.
    #[allow(clippy::ref_option)] // The signature serde's `with` requires.
    pub fn serialize<S: Serializer>(
        value: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value.and_then(|at| at.format(&Rfc3339).ok()) {
            Some(text) => serializer.serialize_str(&text),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a time as described in the [module](self) docs.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        deserializer.deserialize_any(Lenient)
    }

    /// Parses a time the way [`deserialize`] does.
    pub fn parse(text: &str) -> Option<OffsetDateTime> {
        let text = text.trim();
        if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
            return Some(at);
        }
        let local = format_description!(
            version = 2,
            "[year]-[month]-[day][first [T] [ ]][hour]:[minute]:[second][optional [.[subsecond]]]"
        );
        PrimitiveDateTime::parse(text, &local)
            .ok()
            .map(PrimitiveDateTime::assume_utc)
    }

    /// A Unix time: milliseconds when it is too large to be seconds of this era.
    fn from_unix(value: i128) -> Option<OffsetDateTime> {
        let nanos = if value.abs() >= 100_000_000_000 {
            value.checked_mul(1_000_000)?
        } else {
            value.checked_mul(1_000_000_000)?
        };
        OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
    }

    struct Lenient;

    impl<'de> Visitor<'de> for Lenient {
        type Value = Option<OffsetDateTime>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a time, or anything else to be read as none")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(parse(text))
        }

        fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
            Ok(from_unix(i128::from(value)))
        }

        fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
            Ok(from_unix(i128::from(value)))
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn times_in_the_usual_forms() {
            let at = |text: &str| parse(text).map(OffsetDateTime::unix_timestamp);
            let expected = Some(1_767_323_045);
            for text in [
                "2026-01-02T03:04:05Z",
                "2026-01-02T03:04:05.1234567Z",
                "2026-01-02T03:04:05.123+00:00",
                "2026-01-02T05:04:05+02:00",
                "2026-01-02T03:04:05",
                "2026-01-02 03:04:05.5",
            ] {
                assert_eq!(at(text), expected, "{text}");
            }
            assert_eq!(at("yesterday"), None);
            assert_eq!(
                from_unix(1_767_323_045).map(OffsetDateTime::unix_timestamp),
                expected
            );
            assert_eq!(
                from_unix(1_767_323_045_000).map(OffsetDateTime::unix_timestamp),
                expected
            );
            assert_eq!(from_unix(i128::MAX), None);
        }
    }
}
