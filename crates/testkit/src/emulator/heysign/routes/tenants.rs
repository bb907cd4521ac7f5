//! `POST /v1/tenants`: create a sub-tenant.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;

use super::created;
use crate::emulator::heysign::answers::{self, TENANT};
use crate::emulator::heysign::json::{self, Fields};
use crate::emulator::heysign::problem::ApiError;
use crate::emulator::heysign::state::Shared;

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json::parse_body(&headers, &body)?;
    let fields = Fields::new(&body, "", &["name", "language_code", "time_zone"])?;
    let name = fields.required_str("name")?.to_owned();
    let language_code = fields.optional_str("language_code")?.map(str::to_owned);
    let time_zone = fields.optional_str("time_zone")?.map(str::to_owned);
    let tenant = shared.write(|store| store.create_tenant(name, language_code, time_zone));
    Ok(created(answers::single(
        shared.mode(),
        &TENANT,
        "tenant",
        tenant,
    )))
}
