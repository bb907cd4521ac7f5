//! Checks shared by the answer-mode tests of the emulators: reading the documented-fields tables
//! of `emulator/mode.rs`, and holding an emulator's reported variations to the answers it sent.
//!
//! A test gathers pairs of (answer as sent, the same object in the assumed shape) per object and
//! hands them to [`Checker::check`], which verifies every reported variation against them and
//! that the variations explain every difference: a field of the assumed object is in the answer
//! at the same place (after the renames of its parents) unless a variation says otherwise, and a
//! field of the answer is either an assumed field or a reported extra one.

#![allow(dead_code)] // Each test file uses a part.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use signing_testkit::doc_table::{Row, table_after};
use signing_testkit::emulator::{Condition, Variation, VariationKind};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

/// The rows of the table under `heading` in the module docs of `emulator/mode.rs`.
pub(crate) fn mode_table(heading: &str) -> Vec<Row> {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/emulator/mode.rs"))
            .expect("mode.rs is readable");
    let docs = source
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    table_after(&docs, Some(heading)).unwrap_or_else(|| panic!("no table under {heading}"))
}

/// The fields a documented-fields table keeps for `object`, by its first column.
pub(crate) fn kept_fields(rows: &[Row], object: &str) -> BTreeSet<String> {
    let row = rows
        .iter()
        .find(|row| row["object"] == format!("`{object}`"))
        .unwrap_or_else(|| panic!("no row for `{object}`"));
    row["fields kept"]
        .split(',')
        .map(|field| field.trim().trim_matches('`').to_owned())
        .filter(|field| !field.is_empty())
        .collect()
}

/// The keys of a JSON object.
pub(crate) fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

/// Every value at `path` (keys joined by `.`, `[]` for each element of an array). A field that
/// is absent yields nothing; one that is `null` yields `Null`.
pub(crate) fn at<'a>(value: &'a Value, path: &str) -> Vec<&'a Value> {
    if path.is_empty() {
        return vec![value];
    }
    let mut current = vec![value];
    for segment in path.split('.') {
        let (name, each) = match segment.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (segment, false),
        };
        current = current
            .into_iter()
            .filter_map(|value| value.as_object()?.get(name))
            .flat_map(|value| match (each, value) {
                (true, Value::Array(items)) => items.iter().collect(),
                (true, _) => Vec::new(),
                (false, value) => vec![value],
            })
            .collect();
    }
    current
}

/// `path` without its last segment (`""` at the top) and the last segment.
fn split_last(path: &str) -> (&str, &str) {
    path.rsplit_once('.').unwrap_or(("", path))
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every field path of a JSON object, nested objects and array elements included.
fn field_paths(value: &Value, path: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = join(path, key);
                out.insert(path.clone());
                field_paths(value, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                field_paths(item, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// The milliseconds since the epoch an RFC 3339 text names.
fn millis(text: &str) -> i128 {
    OffsetDateTime::parse(text, &Rfc3339)
        .unwrap_or_else(|_| panic!("not RFC 3339: {text}"))
        .unix_timestamp_nanos()
        / 1_000_000
}

/// The nanoseconds since the epoch an RFC 3339 text names.
fn nanos(text: &str) -> i128 {
    OffsetDateTime::parse(text, &Rfc3339)
        .unwrap_or_else(|_| panic!("not RFC 3339: {text}"))
        .unix_timestamp_nanos()
}

/// The decimals and the offset of the RFC 3339 formats named `format`, DocuSign's date-times.
fn rfc3339_format(format: &str) -> Option<(u32, &'static str)> {
    let decimals = if format.contains("7 decimals") {
        7
    } else if format.contains("milliseconds") {
        3
    } else if format.contains("without decimals") {
        0
    } else {
        return None;
    };
    let suffix = if format.ends_with(" and Z") {
        "Z"
    } else if format.ends_with(" and +00:00") {
        "+00:00"
    } else {
        return None;
    };
    Some((decimals, suffix))
}

/// Whether `sent` is `assumed` (an RFC 3339 text) in the timestamp format named `format`.
fn same_instant(format: &str, assumed: &str, sent: &Value) -> bool {
    if let (Some((decimals, suffix)), Value::String(text)) = (rfc3339_format(format), sent) {
        // The digits beyond the format's are cut.
        let unit = 10_i128.pow(9 - decimals);
        let written = text
            .strip_suffix(suffix)
            .and_then(|rest| rest.get(19..))
            .map(|fraction| fraction.strip_prefix('.').map_or(0, str::len));
        return written == usize::try_from(decimals).ok()
            && nanos(text) == nanos(assumed) / unit * unit;
    }
    let expected = millis(assumed);
    match (format, sent) {
        ("Unix epoch milliseconds", Value::Number(number)) => {
            number.as_i64().map(i128::from) == Some(expected)
        }
        ("RFC 3339 with milliseconds and +00:00", Value::String(text)) => {
            text.ends_with("+00:00") && millis(text) == expected
        }
        ("local date-time without offset", Value::String(text)) => {
            let format = time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"
            );
            PrimitiveDateTime::parse(text, format).is_ok_and(|local| {
                local.assume_utc().unix_timestamp_nanos() / 1_000_000 == expected
            })
        }
        _ => false,
    }
}

/// Whether `sent` is the enum value `assumed` written in the casing named `casing`.
fn recased(casing: &str, assumed: &str, sent: &str) -> bool {
    let normalized = |text: &str| text.replace('_', "").to_lowercase();
    let first_upper = sent.chars().next().is_some_and(char::is_uppercase);
    normalized(assumed) == normalized(sent)
        && match casing {
            "UPPER_SNAKE" => sent == sent.to_uppercase(),
            "lower_snake" => sent == sent.to_lowercase(),
            "PascalCase" => first_upper && !sent.contains('_'),
            "camelCase" => !first_upper && !sent.contains('_'),
            _ => false,
        }
}

/// Holds reported variations to answers, and counts what was seen.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    /// How many reported variations were seen in an answer, by kind.
    pub(crate) seen: BTreeMap<VariationKind, usize>,
    /// The details seen: casings, timestamp formats, extra value types, names.
    pub(crate) details: BTreeMap<VariationKind, BTreeSet<String>>,
}

impl Checker {
    /// Checks the variations of `object` (from `variations`) against `answer`, an object as
    /// sent, and `assumed`, the same object in the assumed shape. `documented` lists the enum
    /// values that must never be recased.
    pub(crate) fn check(
        &mut self,
        variations: &[Variation],
        object: &str,
        answer: &Value,
        assumed: &Value,
        documented: &[&str],
    ) {
        self.check_asked(variations, object, answer, assumed, documented, &[]);
    }

    /// [`check`](Self::check) for an answer to a request that asked for what `asked` names
    /// (see [`Condition::Asked`]): a conditional change spares the answers where its condition
    /// holds.
    pub(crate) fn check_asked(
        &mut self,
        variations: &[Variation],
        object: &str,
        answer: &Value,
        assumed: &Value,
        documented: &[&str],
        asked: &[&str],
    ) {
        let mine: Vec<&Variation> = variations
            .iter()
            .filter(|variation| variation.object == object)
            .filter(|variation| {
                variation
                    .unless
                    .is_none_or(|condition| !holds(condition, assumed, &variation.field, asked))
            })
            .collect();
        let pair = Pair {
            object,
            answer,
            assumed,
            documented,
            renames: mine
                .iter()
                .filter(|variation| variation.kind == VariationKind::RenamedField)
                .map(|variation| {
                    let sent_as = variation.sent_as.clone().expect("a renamed field is sent");
                    (variation.field.clone(), sent_as)
                })
                .collect(),
        };
        let gone: Vec<&str> = mine
            .iter()
            .filter(|variation| {
                matches!(
                    variation.kind,
                    VariationKind::MissingField | VariationKind::NullField
                )
            })
            .map(|variation| variation.field.as_str())
            .collect();
        for variation in &mine {
            if pair.verify(variation, &gone) {
                *self.seen.entry(variation.kind).or_default() += 1;
                self.details
                    .entry(variation.kind)
                    .or_default()
                    .insert(variation.detail.clone());
            }
        }
        pair.assert_explained(&mine);
    }

    /// Asserts that every kind of variation in `kinds` was seen at least `least` times, and no
    /// other kind at all.
    pub(crate) fn assert_kinds_seen(&self, kinds: &[VariationKind], least: usize) {
        for kind in kinds {
            let seen = self.seen.get(kind).copied().unwrap_or_default();
            assert!(seen >= least, "{kind:?} seen {seen} times: {:?}", self.seen);
        }
        for kind in self.seen.keys() {
            assert!(kinds.contains(kind), "{kind:?} seen: {:?}", self.seen);
        }
    }
}

/// The kinds of change the HeySign and LEAP variants make: all but DocuSign's typed strings.
pub(crate) const UNTYPED_KINDS: [VariationKind; 7] = [
    VariationKind::RenamedField,
    VariationKind::MissingField,
    VariationKind::NullField,
    VariationKind::ExtraField,
    VariationKind::EnumCasing,
    VariationKind::NumberAsString,
    VariationKind::TimestampFormat,
];

/// Whether `condition`, of a change of `field`, holds for `assumed` (the object as the emulator
/// holds it) in an answer to a request that asked for what `asked` names.
fn holds(condition: Condition, assumed: &Value, field: &str, asked: &[&str]) -> bool {
    match condition {
        Condition::FieldIs {
            field: other,
            values,
        } => {
            let (parent, _) = split_last(field);
            assert!(
                !parent.contains("[]"),
                "a condition on the elements of an array: {field}"
            );
            at(assumed, &join(parent, other))
                .first()
                .and_then(|value| value.as_str())
                .is_some_and(|value| values.contains(&value))
        }
        Condition::Asked(what) => asked.contains(&what),
        other => panic!("a condition the checker does not know: {other:?}"),
    }
}

/// One object as sent and as assumed, with the renames its variations report.
struct Pair<'a> {
    object: &'a str,
    answer: &'a Value,
    assumed: &'a Value,
    documented: &'a [&'a str],
    /// Assumed path to the path it is sent under.
    renames: BTreeMap<String, String>,
}

impl Pair<'_> {
    fn context(&self) -> String {
        format!(
            "{}: answer {}\nassumed {}",
            self.object, self.answer, self.assumed
        )
    }

    /// Where a field of the assumed object is sent: its own name under its parent's place,
    /// unless it is renamed itself.
    fn sent_path(&self, field: &str) -> String {
        let mut sent = String::new();
        let mut assumed_prefix = String::new();
        for segment in field.split('.') {
            let (name, each) = match segment.strip_suffix("[]") {
                Some(name) => (name, "[]"),
                None => (segment, ""),
            };
            let field_path = join(&assumed_prefix, name);
            sent = match self.renames.get(&field_path) {
                Some(renamed) => renamed.clone(),
                None => join(&sent, name),
            };
            sent.push_str(each);
            assumed_prefix = format!("{field_path}{each}");
        }
        sent
    }

    /// Checks one variation; whether it showed in this object. `gone` lists the fields left
    /// out or `null` in this object, whose values cannot show a change.
    fn verify(&self, variation: &Variation, gone: &[&str]) -> bool {
        let field = variation.field.as_str();
        let here = at(
            self.answer,
            variation.sent_as.as_deref().unwrap_or_default(),
        );
        if variation.kind == VariationKind::ExtraField {
            return self.verify_extra(variation, &here);
        }
        let assumed = at(self.assumed, field);
        if assumed.is_empty() {
            // Not in this object (a webhook secret in a list, an empty array).
            return false;
        }
        let context = || format!("{variation}\n{}", self.context());
        match variation.kind {
            VariationKind::MissingField => {
                assert!(variation.sent_as.is_none(), "{}", context());
                let (parent, name) = split_last(field);
                let gone = at(self.answer, &join(&self.sent_path(parent), name));
                assert!(gone.is_empty(), "{}", context());
                true
            }
            VariationKind::NullField => {
                assert_eq!(here.len(), assumed.len(), "{}", context());
                assert!(here.iter().all(|value| value.is_null()), "{}", context());
                true
            }
            VariationKind::RenamedField => {
                assert_eq!(here.len(), assumed.len(), "{}", context());
                let sent_as = variation.sent_as.as_deref().unwrap_or_default();
                assert_ne!(split_last(sent_as).1, split_last(field).1, "{}", context());
                true
            }
            _ if gone.contains(&field) => false,
            _ => {
                assert_eq!(here.len(), assumed.len(), "{}", context());
                let mut visible = false;
                for (sent, assumed) in here.iter().zip(&assumed) {
                    visible |= self.verify_value(variation, sent, assumed);
                }
                visible
            }
        }
    }

    /// An extra field is added to every object at its parent's place, under a name the assumed
    /// object does not use.
    fn verify_extra(&self, variation: &Variation, here: &[&Value]) -> bool {
        let (parent, name) = split_last(&variation.field);
        let parents: Vec<&Value> = at(self.assumed, parent)
            .into_iter()
            .filter(|value| value.is_object())
            .collect();
        if parents.is_empty() {
            return false;
        }
        let context = || format!("{variation}\n{}", self.context());
        assert!(
            parents.iter().all(|parent| parent.get(name).is_none()),
            "not an extra field: {}",
            context()
        );
        assert_eq!(here.len(), parents.len(), "{}", context());
        for value in here {
            assert_eq!(json_type(value), variation.detail, "{}", context());
        }
        true
    }

    /// Checks a changed value against the assumed one; whether there was a value to change.
    fn verify_value(&self, variation: &Variation, sent: &Value, assumed: &Value) -> bool {
        let context = || format!("{variation}: {sent}\n{}", self.context());
        match variation.kind {
            VariationKind::EnumCasing => {
                let (Some(sent), Some(assumed)) = (sent.as_str(), assumed.as_str()) else {
                    panic!("not strings: {}", context());
                };
                if self.documented.contains(&assumed) {
                    assert_eq!(sent, assumed, "documented value recased: {}", context());
                    return false;
                }
                assert_ne!(sent, assumed, "{}", context());
                assert!(recased(&variation.detail, assumed, sent), "{}", context());
                true
            }
            VariationKind::NumberAsString => {
                assert!(assumed.is_number(), "{}", context());
                assert_eq!(
                    sent.as_str(),
                    Some(assumed.to_string().as_str()),
                    "{}",
                    context()
                );
                true
            }
            VariationKind::StringAsNumber => {
                let Some(text) = assumed.as_str() else {
                    panic!("not a string: {}", context());
                };
                match text.parse::<i64>() {
                    Ok(number) if number.to_string() == text => {
                        assert_eq!(sent.as_i64(), Some(number), "{}", context());
                        true
                    }
                    _ => {
                        assert_eq!(sent, assumed, "{}", context());
                        false
                    }
                }
            }
            VariationKind::StringAsBoolean => {
                if let Some(text @ ("true" | "false")) = assumed.as_str() {
                    assert_eq!(sent.as_bool(), Some(text == "true"), "{}", context());
                    true
                } else {
                    assert_eq!(sent, assumed, "{}", context());
                    false
                }
            }
            VariationKind::TimestampFormat => match assumed.as_str() {
                None => {
                    assert!(sent.is_null(), "{}", context());
                    false
                }
                Some(text) => {
                    assert!(same_instant(&variation.detail, text, sent), "{}", context());
                    true
                }
            },
            other => panic!("not a change of value: {other:?}"),
        }
    }

    /// Every field of the assumed object is where the variations say, with its value unless a
    /// variation changes it, and every field of the answer is an assumed one (or the wrapper of
    /// a nested name) or a reported extra.
    fn assert_explained(&self, mine: &[&Variation]) {
        let value_changed: Vec<&str> = mine
            .iter()
            .filter(|variation| {
                matches!(
                    variation.kind,
                    VariationKind::EnumCasing
                        | VariationKind::NumberAsString
                        | VariationKind::TimestampFormat
                        | VariationKind::StringAsNumber
                        | VariationKind::StringAsBoolean
                )
            })
            .map(|variation| variation.field.as_str())
            .collect();
        // A value that holds no object: objects are compared field by field.
        let flat = |value: &Value| match value {
            Value::Object(_) => false,
            Value::Array(items) => !items.iter().any(Value::is_object),
            _ => true,
        };
        let gone_or_null: Vec<&str> = mine
            .iter()
            .filter(|variation| {
                matches!(
                    variation.kind,
                    VariationKind::MissingField | VariationKind::NullField
                )
            })
            .map(|variation| variation.field.as_str())
            .collect();
        let below = |path: &str, of: &str| {
            path == of
                || path.starts_with(&format!("{of}."))
                || path.starts_with(&format!("{of}[]"))
        };
        let mut assumed_paths = BTreeSet::new();
        field_paths(self.assumed, "", &mut assumed_paths);
        let mut expected = BTreeSet::new();
        for path in &assumed_paths {
            if gone_or_null.iter().any(|gone| below(path, gone)) {
                if gone_or_null.contains(&path.as_str()) {
                    expected.insert(self.sent_path(path));
                }
                continue;
            }
            let sent = self.sent_path(path);
            let values = at(self.answer, &sent);
            assert!(
                !values.is_empty(),
                "`{path}` is neither at `{sent}` nor reported\n{}",
                self.context()
            );
            let held = at(self.assumed, path);
            if !value_changed.contains(&path.as_str()) && held.iter().all(|value| flat(value)) {
                assert_eq!(
                    values,
                    held,
                    "`{path}` changed, and no variation says so\n{}",
                    self.context()
                );
            }
            expected.insert(sent);
        }
        let extras: Vec<&str> = mine
            .iter()
            .filter(|variation| variation.kind == VariationKind::ExtraField)
            .filter_map(|variation| variation.sent_as.as_deref())
            .collect();
        let mut answer_paths = BTreeSet::new();
        field_paths(self.answer, "", &mut answer_paths);
        for path in &answer_paths {
            let explained = expected.contains(path)
                || expected.iter().any(|sent| below(sent, path))
                || extras.iter().any(|extra| below(path, extra));
            assert!(explained, "`{path}` is unexplained\n{}", self.context());
        }
    }
}

/// Whether `text` is written like a UUID.
fn uuid_shaped(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(index, c)| {
            if [8, 13, 18, 23].contains(&index) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// The skeleton of an answer: UUIDs, the strings in `ids` and timestamps (in any format)
/// blanked, so answers made at different moments can be compared.
pub(crate) fn skeleton(value: &Value, ids: &[String]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), skeleton(value, ids)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|item| skeleton(item, ids)).collect()),
        Value::String(text) if ids.contains(text) || uuid_shaped(text) => {
            Value::String("<id>".to_owned())
        }
        Value::String(text) if text.len() >= 19 && text.as_bytes()[10] == b'T' => {
            Value::String("<time>".to_owned())
        }
        Value::Number(number) if number.as_i64().is_some_and(|n| n > 1_000_000_000_000) => {
            Value::String("<time>".to_owned())
        }
        other => other.clone(),
    }
}
