//! Object ids: UUID v4 strings in their canonical hyphenated lowercase form.

use uuid::Uuid;

/// A fresh random id.
pub(super) fn new() -> String {
    Uuid::new_v4().hyphenated().to_string()
}

/// The canonical form of `text` if it is a hyphenated UUID; `None` for anything else, so that a
/// malformed id in a path reads as "not found" and one in a body as a validation error.
pub(super) fn canonical(text: &str) -> Option<String> {
    if text.len() != 36 {
        return None;
    }
    Uuid::try_parse(text)
        .ok()
        .map(|id| id.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyphenated_uuids_are_ids() {
        let id = new();
        assert_eq!(canonical(&id), Some(id.clone()));
        assert_eq!(canonical(&id.to_uppercase()), Some(id.clone()));
        assert_eq!(canonical(&id.replace('-', "")), None);
        assert_eq!(canonical("not-an-id"), None);
    }
}
