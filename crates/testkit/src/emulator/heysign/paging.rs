//! List endpoints: paging, sorting and metadata filters from the query string, and the list
//! envelope.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::json::Object;
use super::model::{Agreement, Document, File, Signee, Webhook};
use super::problem::ApiError;
use crate::emulator::urlencoded;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;
const DEFAULT_SORT_FIELD: &str = "created_date";

/// What one list endpoint accepts besides paging.
pub(super) struct ListSpec {
    /// Accepted values of `sort.field`.
    pub(super) sort_fields: &'static [&'static str],
    /// Whether `metadata[key]=value` filters are accepted.
    pub(super) metadata: bool,
    /// Other accepted parameters (`agreement_id`, `query`).
    pub(super) extras: &'static [&'static str],
}

/// A parsed list query.
#[derive(Debug)]
pub(super) struct ListQuery {
    offset: usize,
    limit: usize,
    sort_field: String,
    descending: bool,
    metadata: Vec<(String, String)>,
    extras: Vec<(String, String)>,
}

impl ListQuery {
    /// Parses the raw query string of a list request against what the endpoint accepts.
    pub(super) fn parse(raw: Option<&str>, spec: &ListSpec) -> Result<Self, ApiError> {
        let mut query = Self {
            offset: 0,
            limit: DEFAULT_LIMIT,
            sort_field: DEFAULT_SORT_FIELD.to_owned(),
            descending: false,
            metadata: Vec::new(),
            extras: Vec::new(),
        };
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in urlencoded::parse(raw.unwrap_or_default()) {
            if let Some(key) = metadata_key(&name) {
                if !spec.metadata {
                    return Err(unknown_parameter(&name));
                }
                query.metadata.push((key.to_owned(), value));
                continue;
            }
            if seen.contains(&name) {
                return Err(ApiError::bad_request(format!(
                    "query parameter `{name}` is given more than once"
                )));
            }
            match name.as_str() {
                "page.offset" => query.offset = parse_offset(&value)?,
                "page.limit" => query.limit = parse_limit(&value)?,
                "sort.field" if spec.sort_fields.contains(&value.as_str()) => {
                    query.sort_field.clone_from(&value);
                }
                "sort.field" => {
                    return Err(ApiError::bad_request(format!(
                        "`sort.field` must be one of {}, not `{value}`",
                        spec.sort_fields.join(", ")
                    )));
                }
                "sort.order" => query.descending = parse_order(&value)?,
                other if spec.extras.contains(&other) => {
                    query.extras.push((name.clone(), value));
                }
                _ => return Err(unknown_parameter(&name)),
            }
            seen.push(name);
        }
        Ok(query)
    }

    /// The value of an endpoint-specific parameter such as `agreement_id`.
    pub(super) fn extra(&self, name: &str) -> Option<&str> {
        self.extras
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Filters `items` by metadata, sorts them and cuts out the requested page.
    pub(super) fn page<'a, T: Listable + 'a>(
        &self,
        items: impl IntoIterator<Item = &'a T>,
    ) -> Page {
        let mut matching: Vec<&T> = items
            .into_iter()
            .filter(|item| self.metadata_matches(item.metadata()))
            .collect();
        matching.sort_by(|a, b| {
            let order = a
                .sort_text(&self.sort_field)
                .cmp(&b.sort_text(&self.sort_field))
                .then(a.created().cmp(&b.created()));
            if self.descending {
                order.reverse()
            } else {
                order
            }
        });
        let total_items = matching.len();
        let items = matching
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(Listable::to_json)
            .collect();
        Page {
            items,
            offset: self.offset,
            limit: self.limit,
            total_items,
            total_pages: total_items.div_ceil(self.limit),
        }
    }

    fn metadata_matches(&self, metadata: Option<&Object>) -> bool {
        self.metadata.iter().all(|(key, wanted)| {
            metadata
                .and_then(|metadata| metadata.get(key))
                .and_then(Value::as_str)
                == Some(wanted.as_str())
        })
    }
}

/// One page of a list.
#[derive(Debug)]
pub(super) struct Page {
    items: Vec<Value>,
    offset: usize,
    limit: usize,
    total_items: usize,
    total_pages: usize,
}

impl Page {
    /// The page in the list envelope of objects of `kind`.
    pub(super) fn envelope(self, kind: &str) -> Value {
        json!({
            "data": self.items,
            "type": kind,
            "page": {"offset": self.offset, "limit": self.limit},
            "total_pages": self.total_pages,
            "total_items": self.total_items,
        })
    }

    /// Just the objects of the page, for the one list the API returns as a bare array.
    pub(super) fn into_items(self) -> Vec<Value> {
        self.items
    }
}

/// An object that list endpoints can filter, sort and render.
pub(super) trait Listable {
    fn created(&self) -> OffsetDateTime;
    fn metadata(&self) -> Option<&Object>;
    /// The sort key for a `sort.field` other than `created_date`, which sorts by
    /// [`Listable::created`] alone.
    fn sort_text(&self, _field: &str) -> Option<&str> {
        None
    }
    fn to_json(&self) -> Value;
}

impl Listable for Agreement {
    fn created(&self) -> OffsetDateTime {
        self.created
    }
    fn metadata(&self) -> Option<&Object> {
        Some(&self.metadata)
    }
    fn sort_text(&self, field: &str) -> Option<&str> {
        match field {
            "title" => self.title.as_deref(),
            "status" => Some(self.status.as_str()),
            _ => None,
        }
    }
    fn to_json(&self) -> Value {
        Agreement::to_json(self)
    }
}

impl Listable for Document {
    fn created(&self) -> OffsetDateTime {
        self.created
    }
    fn metadata(&self) -> Option<&Object> {
        Some(&self.metadata)
    }
    fn to_json(&self) -> Value {
        Document::to_json(self)
    }
}

impl Listable for File {
    fn created(&self) -> OffsetDateTime {
        self.created
    }
    fn metadata(&self) -> Option<&Object> {
        Some(&self.metadata)
    }
    fn to_json(&self) -> Value {
        File::to_json(self)
    }
}

impl Listable for Signee {
    fn created(&self) -> OffsetDateTime {
        self.created
    }
    fn metadata(&self) -> Option<&Object> {
        Some(&self.metadata)
    }
    fn to_json(&self) -> Value {
        Signee::to_json(self)
    }
}

impl Listable for Webhook {
    fn created(&self) -> OffsetDateTime {
        self.created
    }
    fn metadata(&self) -> Option<&Object> {
        None
    }
    fn to_json(&self) -> Value {
        Webhook::to_json(self)
    }
}

/// The key of a `metadata[key]` parameter name.
fn metadata_key(name: &str) -> Option<&str> {
    name.strip_prefix("metadata[")?
        .strip_suffix(']')
        .filter(|key| !key.is_empty())
}

fn unknown_parameter(name: &str) -> ApiError {
    ApiError::bad_request(format!("unknown query parameter `{name}`"))
}

fn parse_int32(name: &str, value: &str) -> Result<i32, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::bad_request(format!("`{name}` must be a 32-bit integer")))
}

fn parse_offset(value: &str) -> Result<usize, ApiError> {
    usize::try_from(parse_int32("page.offset", value)?)
        .map_err(|_| ApiError::bad_request("`page.offset` must not be negative"))
}

fn parse_limit(value: &str) -> Result<usize, ApiError> {
    match usize::try_from(parse_int32("page.limit", value)?) {
        Ok(limit) if limit >= 1 => Ok(limit.min(MAX_LIMIT)),
        _ => Err(ApiError::bad_request("`page.limit` must be at least 1")),
    }
}

fn parse_order(value: &str) -> Result<bool, ApiError> {
    match value {
        "Ascending" => Ok(false),
        "Descending" => Ok(true),
        _ => Err(ApiError::bad_request(format!(
            "`sort.order` must be `Ascending` or `Descending`, not `{value}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: ListSpec = ListSpec {
        sort_fields: &["created_date", "title"],
        metadata: true,
        extras: &["agreement_id"],
    };

    #[test]
    fn parses_paging_sorting_and_filters() {
        let query = ListQuery::parse(
            Some("page.offset=2&page.limit=500&sort.field=title&sort.order=Descending&metadata%5Bk%5D=v&agreement_id=a"),
            &SPEC,
        )
        .expect("valid query");
        assert_eq!(query.offset, 2);
        assert_eq!(query.limit, MAX_LIMIT);
        assert_eq!(query.sort_field, "title");
        assert!(query.descending);
        assert_eq!(query.metadata, vec![("k".to_owned(), "v".to_owned())]);
        assert_eq!(query.extra("agreement_id"), Some("a"));
    }

    #[test]
    fn refuses_bad_parameters() {
        for raw in [
            "page.limit=0",
            "page.limit=x",
            "page.offset=-1",
            "sort.field=status",
            "sort.order=ascending",
            "offset=1",
            "page.limit=1&page.limit=2",
            "query=x",
        ] {
            assert!(ListQuery::parse(Some(raw), &SPEC).is_err(), "{raw}");
        }
    }
}
