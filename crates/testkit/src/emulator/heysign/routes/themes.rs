//! `POST /v1/themes`: create a theme for the signing portal.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;

use super::created;
use crate::emulator::heysign::answers::{self, THEME};
use crate::emulator::heysign::json::{self, Fields};
use crate::emulator::heysign::problem::ApiError;
use crate::emulator::heysign::state::{NewTheme, Shared};

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json::parse_body(&headers, &body)?;
    let fields = Fields::new(
        &body,
        "",
        &[
            "name",
            "icon_file_id",
            "logo_file_id",
            "color_primary_hex",
            "color_secondary_hex",
        ],
    )?;
    let new = NewTheme {
        name: fields.required_str("name")?.to_owned(),
        icon_file_id: fields.optional_id("icon_file_id")?,
        logo_file_id: fields.optional_id("logo_file_id")?,
        color_primary_hex: read_color(&fields, "color_primary_hex")?,
        color_secondary_hex: read_color(&fields, "color_secondary_hex")?,
    };
    let theme = shared.write(|store| store.create_theme(new))?;
    Ok(created(answers::single(
        shared.mode(),
        &THEME,
        "theme",
        theme,
    )))
}

/// An optional colour, which must be `#rrggbb`.
fn read_color(fields: &Fields<'_>, key: &str) -> Result<Option<String>, ApiError> {
    let Some(color) = fields.optional_str(key)? else {
        return Ok(None);
    };
    let is_hex_color = color
        .strip_prefix('#')
        .is_some_and(|hex| hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()));
    if is_hex_color {
        Ok(Some(color.to_owned()))
    } else {
        Err(ApiError::bad_request(format!(
            "`{}` must be a colour written as `#rrggbb`",
            fields.name(key)
        )))
    }
}
