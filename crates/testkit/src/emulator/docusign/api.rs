//! The REST API host: `{base_uri}/restapi/v2.1/accounts/{accountId}/...`, behind the bearer
//! check, the account check, the rate limits and the polling rule.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};
use uuid::Uuid;

use super::answers;
use super::api_error::{ApiError, JSON_CONTENT_TYPE};
use super::auth;
use super::clock;
use super::definition;
use super::json::{self, string};
use super::model::{Envelope, EnvelopeStatus};
use super::multipart;
use super::pdf;
use super::render::{self, Include};
use super::route::{API_PREFIX, Route};
use super::state::{Shared, Store, Update, ViewRequest, changed_at};
use crate::emulator::urlencoded;

const ENVELOPES: &str = "/restapi/v2.1/accounts/{account_id}/envelopes";
const ENVELOPE: &str = "/restapi/v2.1/accounts/{account_id}/envelopes/{envelope_id}";

/// The router of the API host.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(ENVELOPES, get(list).post(create))
        .route(ENVELOPE, get(get_envelope).put(update))
        .route(&format!("{ENVELOPE}/recipients"), get(recipients))
        .route(
            &format!("{ENVELOPE}/documents/{{document_id}}"),
            get(document),
        )
        .route(&format!("{ENVELOPE}/views/recipient"), post(recipient_view))
        .route(
            "/restapi/v2.1/accounts/{account_id}/folders/{folder_id}",
            put(move_envelopes),
        )
        .fallback(|| async { ApiError::no_such_path() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        // The shared server already bounds every body.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

/// Lets a request through only with a valid bearer token and an account of the user, counts it
/// against the rate limits, applies the polling rule, and puts the rate-limit headers on the
/// answer.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let authenticated =
        auth::bearer(request.headers()).is_some_and(|token| shared.tokens.is_valid(token));
    if !authenticated {
        return ApiError::unauthenticated().into_response();
    }
    let path = request.uri().path().to_owned();
    let (budget, refusal) = shared.limits.consume();
    let mut response = if let Some(refusal) = refusal {
        refusal.into_response()
    } else if let Some(refusal) = check_account(&shared, &path) {
        refusal.into_response()
    } else if let Err(refusal) = check_poll(&shared, request.method(), &path) {
        refusal.into_response()
    } else {
        next.run(request).await
    };
    budget.write(response.headers_mut());
    response
}

fn check_account(shared: &Shared, path: &str) -> Option<ApiError> {
    let account = path.strip_prefix(API_PREFIX)?.split('/').next()?;
    (!shared.config.has_account(account)).then(|| {
        ApiError::new(
            "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT",
            "The specified User is not a member of the specified Account.",
        )
    })
}

fn check_poll(shared: &Shared, method: &Method, path: &str) -> Result<(), ApiError> {
    match Route::of_api_request(method, path) {
        Some(route) if route.is_envelope_read() => shared.limits.check_poll(path),
        _ => Ok(()),
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(JSON_CONTENT_TYPE),
        )],
        body.to_string(),
    )
        .into_response()
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// Parses a JSON body (sent as `application/json`, or without a content type) and checks it
/// against `definition`.
fn json_body(headers: &HeaderMap, body: &[u8], definition: &str) -> Result<Value, ApiError> {
    let content_type = content_type(headers);
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.is_empty() && !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::bad_body(format!(
            "The body must be application/json, not {essence}."
        )));
    }
    let value = json::parse_body(body)?;
    json::check(&value, definition)?;
    Ok(value)
}

fn include(raw: Option<&str>, known: &[&str]) -> Result<Include, ApiError> {
    let mut include = Include::default();
    for item in raw.unwrap_or_default().split(',').map(str::trim) {
        match item {
            "" => {}
            "recipients" => include.recipients = true,
            "custom_fields" => include.custom_fields = true,
            "documents" => include.documents = true,
            other if known.contains(&other) => {}
            other => {
                return Err(ApiError::bad_parameter(format!(
                    "`include` holds the unknown value \"{other}\"."
                )));
            }
        }
    }
    Ok(include)
}

/// `include` values the emulator accepts but has nothing to add for.
const OTHER_INCLUDES: [&str; 6] = [
    "attachments",
    "extensions",
    "folders",
    "powerform",
    "tabs",
    "payment_tabs",
];

// ---- POST /envelopes -----------------------------------------------------------------------

async fn create(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Path(account_id)) = path else {
        return ApiError::no_such_path().into_response();
    };
    let outcome = read_definition(&headers, &body)
        .and_then(|new| shared.write(|store| store.create(&account_id, new)));
    match outcome {
        Ok(summary) => json_response(
            StatusCode::CREATED,
            &shared.mode().render(&answers::ENVELOPE_SUMMARY, summary),
        ),
        Err(error) => error.into_response(),
    }
}

fn read_definition(headers: &HeaderMap, body: &Bytes) -> Result<definition::NewEnvelope, ApiError> {
    if let Some(boundary) = multipart::boundary(content_type(headers)) {
        let form = multipart::parse(body, &boundary)?;
        let value = json::parse_body(&form.definition)?;
        json::check(&value, "envelopeDefinition")?;
        definition::read(&value, form.documents)
    } else {
        let value = json_body(headers, body, "envelopeDefinition")?;
        definition::read(&value, BTreeMap::new())
    }
}

// ---- GET /envelopes/{envelopeId} ---------------------------------------------------------

async fn get_envelope(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Ok(Path((account_id, envelope_id))) = path else {
        return ApiError::no_such_path().into_response();
    };
    let params = urlencoded::parse(raw.as_deref().unwrap_or_default());
    let include_value = params
        .iter()
        .rev()
        .find(|(name, _)| name == "include")
        .map(|(_, value)| value.as_str());
    let outcome = include(include_value, &OTHER_INCLUDES).and_then(|include| {
        shared.read(|store| {
            store
                .envelope(&account_id, &envelope_id)
                .map(|envelope| render::envelope(envelope, &store.sender(), include))
                .ok_or_else(ApiError::no_envelope)
        })
    });
    match outcome {
        Ok(body) => json_response(StatusCode::OK, &answers::envelope(shared.mode(), body)),
        Err(error) => error.into_response(),
    }
}

// ---- PUT /envelopes/{envelopeId} ---------------------------------------------------------

/// The properties of a `PUT /envelopes/{envelopeId}` body the emulator acts on.
const UPDATABLE: [&str; 4] = ["status", "voidedReason", "emailSubject", "emailBlurb"];

async fn update(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Path((account_id, envelope_id))) = path else {
        return ApiError::no_such_path().into_response();
    };
    let outcome = read_update(&headers, &body).and_then(|update| match update {
        Some(update) => shared.write(|store| store.update(&account_id, &envelope_id, update)),
        None => shared.read(|store| {
            store
                .envelope(&account_id, &envelope_id)
                .map(|_| ())
                .ok_or_else(ApiError::no_envelope)
        }),
    });
    match outcome {
        Ok(()) => json_response(
            StatusCode::OK,
            &shared
                .mode()
                .render(&answers::UPDATE_SUMMARY, json!({"envelopeId": envelope_id})),
        ),
        Err(error) => error.into_response(),
    }
}

fn read_update(headers: &HeaderMap, body: &[u8]) -> Result<Option<Update>, ApiError> {
    let value = json_body(headers, body, "envelope")?;
    let Some(object) = json::object(&value) else {
        return Err(ApiError::bad_body("The body must be a JSON object."));
    };
    if let Some((key, _)) = object
        .iter()
        .find(|(key, value)| !value.is_null() && !UPDATABLE.contains(&key.as_str()))
    {
        return Err(ApiError::bad_parameter(format!(
            "Changing `{key}` is not supported by the emulator; it sends drafts, voids envelopes and changes a draft's emailSubject and emailBlurb."
        )));
    }
    let subject = string(object, "emailSubject").map(str::to_owned);
    let blurb = string(object, "emailBlurb").map(str::to_owned);
    let update = match string(object, "status") {
        Some("sent") => Some(Update::Send { subject, blurb }),
        Some("voided") => {
            let Some(reason) =
                string(object, "voidedReason").filter(|reason| !reason.trim().is_empty())
            else {
                return Err(ApiError::bad_parameter(
                    "A voidedReason is required to void an envelope.",
                ));
            };
            Some(Update::Void(reason.to_owned()))
        }
        Some(other) => {
            return Err(ApiError::bad_parameter(format!(
                "An envelope's status can only be changed to \"sent\" or \"voided\", not \"{other}\"."
            )));
        }
        None if subject.is_some() || blurb.is_some() => Some(Update::Email { subject, blurb }),
        None => None,
    };
    Ok(update)
}

// ---- GET /envelopes/{envelopeId}/recipients ----------------------------------------------

async fn recipients(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let Ok(Path((account_id, envelope_id))) = path else {
        return ApiError::no_such_path().into_response();
    };
    let outcome = shared.read(|store| {
        store
            .envelope(&account_id, &envelope_id)
            .map(render::recipients)
            .ok_or_else(ApiError::no_envelope)
    });
    match outcome {
        Ok(body) => json_response(
            StatusCode::OK,
            &shared.mode().render(&answers::RECIPIENTS, body),
        ),
        Err(error) => error.into_response(),
    }
}

// ---- GET /envelopes/{envelopeId}/documents/{documentId} ----------------------------------

async fn document(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Response {
    let Ok(Path((account_id, envelope_id, document_id))) = path else {
        return ApiError::no_such_path().into_response();
    };
    let outcome = shared.read(|store| {
        let envelope = store
            .envelope(&account_id, &envelope_id)
            .ok_or_else(ApiError::no_envelope)?;
        document_bytes(envelope, &document_id)
    });
    match outcome {
        Ok((file_name, bytes)) => {
            let disposition = format!("file; filename=\"{file_name}\"");
            let mut response = (
                StatusCode::OK,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/pdf"),
                )],
                bytes,
            )
                .into_response();
            if let Ok(value) = HeaderValue::try_from(disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => error.into_response(),
    }
}

fn document_bytes(envelope: &Envelope, document_id: &str) -> Result<(String, Vec<u8>), ApiError> {
    match document_id {
        "combined" => {
            let mut combined = Vec::new();
            for document in &envelope.documents {
                combined.extend_from_slice(&document.content);
                if !combined.ends_with(b"\n") {
                    combined.push(b'\n');
                }
                combined
                    .extend_from_slice(pdf::combined_marker(&envelope.id, &document.id).as_bytes());
            }
            Ok(("Combined.pdf".to_owned(), combined))
        }
        "certificate" => Ok(("Certificate.pdf".to_owned(), certificate(envelope))),
        "archive" | "portfolio" => Err(ApiError::bad_parameter(format!(
            "The document id \"{document_id}\" is not supported by the emulator."
        ))),
        _ => envelope
            .documents
            .iter()
            .find(|document| document.id == document_id)
            .map(|document| (document.name.clone(), document.content.to_vec()))
            .ok_or_else(|| {
                ApiError::new(
                    "DOCUMENT_DOES_NOT_EXIST",
                    "The document specified was not found.",
                )
            }),
    }
}

fn certificate(envelope: &Envelope) -> Vec<u8> {
    let time = |at: Option<time::OffsetDateTime>| at.map(clock::format).unwrap_or_default();
    let mut lines = vec![
        format!("Envelope Id: {}", envelope.id),
        format!(
            "Subject: {}",
            envelope.email_subject.as_deref().unwrap_or_default()
        ),
        format!("Status: {}", envelope.status.as_str()),
        format!("Sent: {}", time(envelope.sent_at)),
        format!("Completed: {}", time(envelope.completed_at)),
        String::new(),
        "Signer Events".to_owned(),
    ];
    for signer in envelope.signers() {
        lines.push(format!(
            "{} <{}> {} signed {}",
            signer.name,
            signer.email,
            signer.status.as_str(),
            time(signer.signed_at)
        ));
    }
    pdf::text_pdf("Certificate Of Completion", &lines)
}

// ---- POST /envelopes/{envelopeId}/views/recipient ----------------------------------------

async fn recipient_view(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Path((account_id, envelope_id))) = path else {
        return ApiError::no_such_path().into_response();
    };
    let outcome = read_view_request(&headers, &body).and_then(|request| {
        shared.read(|store| store.recipient_view(&account_id, &envelope_id, &request))
    });
    match outcome {
        Ok(()) => {
            let url = format!(
                "{}/Signing/StartInSession.aspx?t={}",
                shared.api_base(),
                Uuid::new_v4()
            );
            json_response(
                StatusCode::CREATED,
                &shared
                    .mode()
                    .render(&answers::ENVELOPE_VIEWS, json!({"url": url})),
            )
        }
        Err(error) => error.into_response(),
    }
}

fn read_view_request(headers: &HeaderMap, body: &[u8]) -> Result<ViewRequest, ApiError> {
    let value = json_body(headers, body, "recipientViewRequest")?;
    let Some(object) = json::object(&value) else {
        return Err(ApiError::bad_body("The body must be a JSON object."));
    };
    let required = |key: &str| {
        string(object, key)
            .filter(|value| !value.trim().is_empty())
            .ok_or_else(|| ApiError::bad_parameter(format!("`{key}` is required.")))
    };
    let return_url = required("returnUrl")?;
    if reqwest::Url::parse(return_url).is_err() {
        return Err(ApiError::bad_parameter(
            "`returnUrl` must be an absolute URL.",
        ));
    }
    required("authenticationMethod")?;
    Ok(ViewRequest {
        email: required("email")?.to_owned(),
        user_name: required("userName")?.to_owned(),
        client_user_id: required("clientUserId")?.to_owned(),
        recipient_id: string(object, "recipientId").map(str::to_owned),
    })
}

// ---- PUT /folders/{folderId} -------------------------------------------------------------

async fn move_envelopes(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Path((account_id, folder_id))) = path else {
        return ApiError::no_such_path().into_response();
    };
    let outcome = read_move(&folder_id, &headers, &body)
        .and_then(|ids| shared.write(|store| store.recycle(&account_id, &ids)));
    match outcome {
        Ok(()) => json_response(
            StatusCode::OK,
            &shared.mode().render(&answers::FOLDERS_RESPONSE, json!({})),
        ),
        Err(error) => error.into_response(),
    }
}

fn read_move(folder_id: &str, headers: &HeaderMap, body: &[u8]) -> Result<Vec<String>, ApiError> {
    if folder_id != "recyclebin" {
        return Err(ApiError::bad_parameter(format!(
            "The emulator can only move envelopes to the folder \"recyclebin\", not \"{folder_id}\"."
        )));
    }
    let value = json_body(headers, body, "foldersRequest")?;
    let ids: Vec<String> = json::object(&value)
        .map(|object| json::array(object, "envelopeIds"))
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Err(ApiError::bad_parameter(
            "`envelopeIds` must name at least one envelope.",
        ));
    }
    Ok(ids)
}

// ---- GET /envelopes ----------------------------------------------------------------------

/// The query parameters a listing understands.
const LIST_PARAMETERS: [&str; 9] = [
    "from_date",
    "to_date",
    "envelope_ids",
    "status",
    "custom_field",
    "count",
    "start_position",
    "include",
    "from_to_status",
];

async fn list(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Ok(Path(account_id)) = path else {
        return ApiError::no_such_path().into_response();
    };
    let outcome =
        shared.read(|store| listing(store, &account_id, raw.as_deref().unwrap_or_default()));
    match outcome {
        Ok(body) => json_response(StatusCode::OK, &answers::listing(shared.mode(), body)),
        Err(error) => error.into_response(),
    }
}

/// The parameters of a listing, read and checked.
struct ListQuery<'a> {
    from: Option<time::OffsetDateTime>,
    to: Option<time::OffsetDateTime>,
    ids: Option<Vec<&'a str>>,
    statuses: Option<Vec<&'a str>>,
    custom_field: Option<(&'a str, &'a str)>,
    count: Option<usize>,
    start: usize,
    include: Include,
}

fn read_list_query(params: &[(String, String)]) -> Result<ListQuery<'_>, ApiError> {
    if let Some((name, _)) = params
        .iter()
        .find(|(name, _)| !LIST_PARAMETERS.contains(&name.as_str()))
    {
        return Err(ApiError::bad_parameter(format!(
            "The query parameter `{name}` is not supported by the emulator."
        )));
    }
    let param = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let date = |name: &str| {
        param(name)
            .map(|text| {
                clock::parse_query_date(text).ok_or_else(|| {
                    ApiError::bad_parameter(format!("`{name}` is not a date: \"{text}\"."))
                })
            })
            .transpose()
    };
    let position = |name: &str| {
        param(name)
            .map(|text| {
                json::parse_number(text, 0)
                    .and_then(|value| usize::try_from(value).ok())
                    .ok_or_else(|| {
                        ApiError::bad_parameter(format!(
                            "`{name}` must be a whole number, not \"{text}\"."
                        ))
                    })
            })
            .transpose()
    };
    let from = date("from_date")?;
    let ids = param("envelope_ids").map(|ids| {
        ids.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .collect::<Vec<_>>()
    });
    if from.is_none() && ids.is_none() {
        return Err(ApiError::bad_parameter(
            "A from_date, envelope_ids or transaction_ids parameter must be specified.",
        ));
    }
    if let Some(status) = param("from_to_status")
        && !status.eq_ignore_ascii_case("changed")
    {
        return Err(ApiError::bad_parameter(format!(
            "The emulator supports only from_to_status=changed, not \"{status}\"."
        )));
    }
    let statuses = param("status")
        .map(|statuses| {
            statuses
                .split(',')
                .map(str::trim)
                .filter(|status| !status.is_empty())
                .map(|status| {
                    if status == "any" || EnvelopeStatus::FILTERS.contains(&status) {
                        Ok(status)
                    } else {
                        Err(ApiError::bad_parameter(format!(
                            "`status` holds the unknown value \"{status}\"."
                        )))
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .filter(|statuses| !statuses.contains(&"any"));
    let custom_field = param("custom_field")
        .map(|field| {
            field.split_once('=').ok_or_else(|| {
                ApiError::bad_parameter(
                    "`custom_field` must be written as name=value, such as Region=West.",
                )
            })
        })
        .transpose()?;
    Ok(ListQuery {
        from,
        to: date("to_date")?,
        ids,
        statuses,
        custom_field,
        count: position("count")?,
        start: position("start_position")?.unwrap_or(0),
        include: include(param("include"), &OTHER_INCLUDES)?,
    })
}

fn matches(envelope: &Envelope, query: &ListQuery<'_>) -> bool {
    let changed = changed_at(envelope);
    query.from.is_none_or(|from| changed >= from)
        && query.to.is_none_or(|to| changed <= to)
        && query
            .ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&envelope.id.as_str()))
        && query
            .statuses
            .as_ref()
            .is_none_or(|statuses| statuses.contains(&envelope.status.as_str()))
        && query.custom_field.is_none_or(|(name, value)| {
            envelope
                .text_custom_fields
                .iter()
                .any(|field| field.name.eq_ignore_ascii_case(name) && field.value == value)
        })
}

fn listing(store: &Store, account_id: &str, raw: &str) -> Result<Value, ApiError> {
    let params = urlencoded::parse(raw);
    let query = read_list_query(&params)?;
    let mut found: Vec<&Envelope> = store
        .envelopes()
        .iter()
        .filter(|envelope| envelope.account_id == account_id && matches(envelope, &query))
        .collect();
    // Stable: envelopes changed at the same instant stay in creation order.
    found.sort_by_key(|envelope| changed_at(envelope));
    let total = found.len();
    let start = query.start.min(total);
    let count = query.count.unwrap_or(total);
    let page: Vec<Value> = found
        .iter()
        .skip(start)
        .take(count)
        .map(|envelope| render::envelope(envelope, &store.sender(), query.include))
        .collect();
    let end = start.saturating_add(page.len());
    let page_uri = |position: usize| {
        let mut uri = "/envelopes?".to_owned();
        for (name, value) in params
            .iter()
            .filter(|(name, _)| name != "start_position" && name != "count")
        {
            let _ = write!(
                uri,
                "{}={}&",
                urlencoded::encode(name),
                urlencoded::encode(value)
            );
        }
        let _ = write!(uri, "start_position={position}&count={count}");
        uri
    };
    let next_uri = if end < total && count > 0 {
        page_uri(end)
    } else {
        String::new()
    };
    let previous_uri = if start > 0 && count > 0 {
        page_uri(start.saturating_sub(count))
    } else {
        String::new()
    };
    let mut body = json!({
        "resultSetSize": page.len().to_string(),
        "totalSetSize": total.to_string(),
        "startPosition": start.to_string(),
        "endPosition": if page.is_empty() { "-1".to_owned() } else { end.saturating_sub(1).to_string() },
        "nextUri": next_uri,
        "previousUri": previous_uri,
    });
    if !page.is_empty()
        && let Some(object) = body.as_object_mut()
    {
        object.insert("envelopes".to_owned(), Value::Array(page));
    }
    Ok(body)
}
