//! The endpoints of the emulated API, by name, for fault injection and the request log.

use http::Method;

/// An endpoint of the HeySign API, used to aim injected faults at it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /oauth/token` on the auth host.
    Token,
    /// `GET /v1/agreements`.
    ListAgreements,
    /// `POST /v1/agreements`.
    CreateAgreement,
    /// `GET /v1/agreements/{id}`.
    GetAgreement,
    /// `PUT /v1/agreements/{id}`.
    EditAgreement,
    /// `DELETE /v1/agreements/{id}`.
    DeleteAgreement,
    /// `POST /v1/agreements/{id}/submit`.
    SubmitAgreement,
    /// `POST /v1/agreements/{id}/cancel`.
    CancelAgreement,
    /// `POST /v1/documents`.
    CreateDocument,
    /// `GET /v1/documents`.
    ListDocuments,
    /// `GET /v1/documents/{id}`.
    GetDocument,
    /// `DELETE /v1/documents/{id}`.
    DeleteDocument,
    /// `POST /v1/files`.
    UploadFile,
    /// `GET /v1/files`.
    ListFiles,
    /// `GET /v1/files/{fileId}`.
    GetFile,
    /// `GET /v1/signees`.
    ListSignees,
    /// `POST /v1/signees`.
    CreateSignee,
    /// `GET /v1/signees/{id}`.
    GetSignee,
    /// `PUT /v1/signees/{id}`.
    EditSignee,
    /// `DELETE /v1/signees/{id}`.
    DeleteSignee,
    /// `POST /v1/tenants`.
    CreateTenant,
    /// `POST /v1/themes`.
    CreateTheme,
    /// `GET /v1/webhooks`.
    ListWebhooks,
    /// `POST /v1/webhooks`.
    CreateWebhook,
    /// `DELETE /v1/webhooks/{id}`.
    DeleteWebhook,
}

impl Route {
    /// Every route, in the order they are declared.
    pub const ALL: [Self; 25] = [
        Self::Token,
        Self::ListAgreements,
        Self::CreateAgreement,
        Self::GetAgreement,
        Self::EditAgreement,
        Self::DeleteAgreement,
        Self::SubmitAgreement,
        Self::CancelAgreement,
        Self::CreateDocument,
        Self::ListDocuments,
        Self::GetDocument,
        Self::DeleteDocument,
        Self::UploadFile,
        Self::ListFiles,
        Self::GetFile,
        Self::ListSignees,
        Self::CreateSignee,
        Self::GetSignee,
        Self::EditSignee,
        Self::DeleteSignee,
        Self::CreateTenant,
        Self::CreateTheme,
        Self::ListWebhooks,
        Self::CreateWebhook,
        Self::DeleteWebhook,
    ];

    /// The route's name as recorded in [`RecordedRequest::route`](crate::emulator::RecordedRequest::route),
    /// such as `"submit_agreement"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::ListAgreements => "list_agreements",
            Self::CreateAgreement => "create_agreement",
            Self::GetAgreement => "get_agreement",
            Self::EditAgreement => "edit_agreement",
            Self::DeleteAgreement => "delete_agreement",
            Self::SubmitAgreement => "submit_agreement",
            Self::CancelAgreement => "cancel_agreement",
            Self::CreateDocument => "create_document",
            Self::ListDocuments => "list_documents",
            Self::GetDocument => "get_document",
            Self::DeleteDocument => "delete_document",
            Self::UploadFile => "upload_file",
            Self::ListFiles => "list_files",
            Self::GetFile => "get_file",
            Self::ListSignees => "list_signees",
            Self::CreateSignee => "create_signee",
            Self::GetSignee => "get_signee",
            Self::EditSignee => "edit_signee",
            Self::DeleteSignee => "delete_signee",
            Self::CreateTenant => "create_tenant",
            Self::CreateTheme => "create_theme",
            Self::ListWebhooks => "list_webhooks",
            Self::CreateWebhook => "create_webhook",
            Self::DeleteWebhook => "delete_webhook",
        }
    }

    /// The API-host route a request belongs to; any single path segment counts as an id here,
    /// since a malformed id still reaches the endpoint (which answers 404).
    fn of_api_request(method: &Method, path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/v1/")?;
        let segments: Vec<&str> = rest.split('/').collect();
        let route = match (segments.as_slice(), method.as_str()) {
            (["agreements"], "GET") => Self::ListAgreements,
            (["agreements"], "POST") => Self::CreateAgreement,
            (["agreements", id], "GET") if !id.is_empty() => Self::GetAgreement,
            (["agreements", id], "PUT") if !id.is_empty() => Self::EditAgreement,
            (["agreements", id], "DELETE") if !id.is_empty() => Self::DeleteAgreement,
            (["agreements", id, "submit"], "POST") if !id.is_empty() => Self::SubmitAgreement,
            (["agreements", id, "cancel"], "POST") if !id.is_empty() => Self::CancelAgreement,
            (["documents"], "GET") => Self::ListDocuments,
            (["documents"], "POST") => Self::CreateDocument,
            (["documents", id], "GET") if !id.is_empty() => Self::GetDocument,
            (["documents", id], "DELETE") if !id.is_empty() => Self::DeleteDocument,
            (["files"], "GET") => Self::ListFiles,
            (["files"], "POST") => Self::UploadFile,
            (["files", id], "GET") if !id.is_empty() => Self::GetFile,
            (["signees"], "GET") => Self::ListSignees,
            (["signees"], "POST") => Self::CreateSignee,
            (["signees", id], "GET") if !id.is_empty() => Self::GetSignee,
            (["signees", id], "PUT") if !id.is_empty() => Self::EditSignee,
            (["signees", id], "DELETE") if !id.is_empty() => Self::DeleteSignee,
            (["tenants"], "POST") => Self::CreateTenant,
            (["themes"], "POST") => Self::CreateTheme,
            (["webhooks"], "GET") => Self::ListWebhooks,
            (["webhooks"], "POST") => Self::CreateWebhook,
            (["webhooks", id], "DELETE") if !id.is_empty() => Self::DeleteWebhook,
            _ => return None,
        };
        Some(route)
    }
}

/// Classifies a request to the API host.
pub(super) fn classify_api(method: &Method, path: &str) -> Option<&'static str> {
    Route::of_api_request(method, path).map(Route::as_str)
}

/// Classifies a request to the auth host.
pub(super) fn classify_auth(method: &Method, path: &str) -> Option<&'static str> {
    (method == Method::POST && path == "/oauth/token").then_some(Route::Token.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_requests() {
        let id = "0b8e7c52-8a3a-4c55-9b4e-3f3c1f0e8d11";
        let cases = [
            (
                Method::GET,
                "/v1/agreements".to_owned(),
                Some(Route::ListAgreements),
            ),
            (
                Method::POST,
                format!("/v1/agreements/{id}/submit"),
                Some(Route::SubmitAgreement),
            ),
            (
                Method::PUT,
                format!("/v1/signees/{id}"),
                Some(Route::EditSignee),
            ),
            (
                Method::DELETE,
                format!("/v1/webhooks/{id}"),
                Some(Route::DeleteWebhook),
            ),
            (Method::GET, "/v1/agreements/".to_owned(), None),
            (Method::PATCH, format!("/v1/agreements/{id}"), None),
            (Method::GET, "/v2/agreements".to_owned(), None),
        ];
        for (method, path, expected) in cases {
            assert_eq!(
                classify_api(&method, &path),
                expected.map(Route::as_str),
                "{method} {path}"
            );
        }
        assert_eq!(classify_auth(&Method::POST, "/oauth/token"), Some("token"));
        assert_eq!(classify_auth(&Method::GET, "/oauth/token"), None);
        assert_eq!(classify_api(&Method::POST, "/oauth/token"), None);
    }
}
