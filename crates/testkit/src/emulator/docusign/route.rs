//! The endpoints of the emulated API, by name, for fault injection and the request log.

use http::Method;

/// The prefix of every REST API path; the account id follows.
pub(super) const API_PREFIX: &str = "/restapi/v2.1/accounts/";

/// An endpoint of the emulated DocuSign hosts, used to aim injected faults at it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /oauth/token` on the auth host.
    Token,
    /// `GET /oauth/userinfo` on the auth host.
    UserInfo,
    /// `POST {base}/envelopes`.
    CreateEnvelope,
    /// `GET {base}/envelopes`.
    ListEnvelopes,
    /// `GET {base}/envelopes/{envelopeId}`.
    GetEnvelope,
    /// `PUT {base}/envelopes/{envelopeId}`.
    UpdateEnvelope,
    /// `GET {base}/envelopes/{envelopeId}/recipients`.
    ListRecipients,
    /// `GET {base}/envelopes/{envelopeId}/documents/combined`.
    GetCombinedDocument,
    /// `GET {base}/envelopes/{envelopeId}/documents/certificate`.
    GetCertificate,
    /// `GET {base}/envelopes/{envelopeId}/documents/{documentId}` for any other document id.
    GetDocument,
    /// `POST {base}/envelopes/{envelopeId}/views/recipient`.
    CreateRecipientView,
    /// `PUT {base}/folders/{folderId}` (the recycle bin is the folder `recyclebin`).
    MoveEnvelopes,
}

impl Route {
    /// Every route, in the order they are declared.
    pub const ALL: [Self; 12] = [
        Self::Token,
        Self::UserInfo,
        Self::CreateEnvelope,
        Self::ListEnvelopes,
        Self::GetEnvelope,
        Self::UpdateEnvelope,
        Self::ListRecipients,
        Self::GetCombinedDocument,
        Self::GetCertificate,
        Self::GetDocument,
        Self::CreateRecipientView,
        Self::MoveEnvelopes,
    ];

    /// The route's name as recorded in
    /// [`RecordedRequest::route`](crate::emulator::RecordedRequest::route), such as
    /// `"create_envelope"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::UserInfo => "userinfo",
            Self::CreateEnvelope => "create_envelope",
            Self::ListEnvelopes => "list_envelopes",
            Self::GetEnvelope => "get_envelope",
            Self::UpdateEnvelope => "update_envelope",
            Self::ListRecipients => "list_recipients",
            Self::GetCombinedDocument => "get_combined_document",
            Self::GetCertificate => "get_certificate",
            Self::GetDocument => "get_document",
            Self::CreateRecipientView => "create_recipient_view",
            Self::MoveEnvelopes => "move_envelopes",
        }
    }

    /// The API-host route of a request. Any non-empty segment counts as an id here, since an
    /// unknown id still reaches its endpoint (which refuses it).
    pub(super) fn of_api_request(method: &Method, path: &str) -> Option<Self> {
        let rest = path.strip_prefix(API_PREFIX)?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|segment| segment.is_empty()) {
            return None;
        }
        let route = match (&segments[1..], method.as_str()) {
            (["envelopes"], "POST") => Self::CreateEnvelope,
            (["envelopes"], "GET") => Self::ListEnvelopes,
            (["envelopes", _], "GET") => Self::GetEnvelope,
            (["envelopes", _], "PUT") => Self::UpdateEnvelope,
            (["envelopes", _, "recipients"], "GET") => Self::ListRecipients,
            (["envelopes", _, "documents", "combined"], "GET") => Self::GetCombinedDocument,
            (["envelopes", _, "documents", "certificate"], "GET") => Self::GetCertificate,
            (["envelopes", _, "documents", _], "GET") => Self::GetDocument,
            (["envelopes", _, "views", "recipient"], "POST") => Self::CreateRecipientView,
            (["folders", _], "PUT") => Self::MoveEnvelopes,
            _ => return None,
        };
        Some(route)
    }

    /// Whether the route reads one envelope's resource, which the polling rule limits.
    pub(super) fn is_envelope_read(self) -> bool {
        matches!(
            self,
            Self::GetEnvelope
                | Self::ListRecipients
                | Self::GetCombinedDocument
                | Self::GetCertificate
                | Self::GetDocument
        )
    }
}

/// Classifies a request to the API host.
pub(super) fn classify_api(method: &Method, path: &str) -> Option<&'static str> {
    Route::of_api_request(method, path).map(Route::as_str)
}

/// Classifies a request to the auth host.
pub(super) fn classify_auth(method: &Method, path: &str) -> Option<&'static str> {
    let route = match (method.as_str(), path) {
        ("POST", "/oauth/token") => Route::Token,
        ("GET", "/oauth/userinfo") => Route::UserInfo,
        _ => return None,
    };
    Some(route.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_requests() {
        let base = "/restapi/v2.1/accounts/acc";
        let cases = [
            (
                Method::POST,
                format!("{base}/envelopes"),
                Some(Route::CreateEnvelope),
            ),
            (
                Method::GET,
                format!("{base}/envelopes"),
                Some(Route::ListEnvelopes),
            ),
            (
                Method::GET,
                format!("{base}/envelopes/e1"),
                Some(Route::GetEnvelope),
            ),
            (
                Method::PUT,
                format!("{base}/envelopes/e1"),
                Some(Route::UpdateEnvelope),
            ),
            (
                Method::GET,
                format!("{base}/envelopes/e1/recipients"),
                Some(Route::ListRecipients),
            ),
            (
                Method::GET,
                format!("{base}/envelopes/e1/documents/combined"),
                Some(Route::GetCombinedDocument),
            ),
            (
                Method::GET,
                format!("{base}/envelopes/e1/documents/certificate"),
                Some(Route::GetCertificate),
            ),
            (
                Method::GET,
                format!("{base}/envelopes/e1/documents/1"),
                Some(Route::GetDocument),
            ),
            (
                Method::POST,
                format!("{base}/envelopes/e1/views/recipient"),
                Some(Route::CreateRecipientView),
            ),
            (
                Method::PUT,
                format!("{base}/folders/recyclebin"),
                Some(Route::MoveEnvelopes),
            ),
            (Method::DELETE, format!("{base}/envelopes/e1"), None),
            (Method::GET, format!("{base}/envelopes/"), None),
            (
                Method::GET,
                "/restapi/v2/accounts/acc/envelopes".to_owned(),
                None,
            ),
        ];
        for (method, path, expected) in cases {
            assert_eq!(
                classify_api(&method, &path),
                expected.map(Route::as_str),
                "{method} {path}"
            );
        }
        assert_eq!(classify_auth(&Method::POST, "/oauth/token"), Some("token"));
        assert_eq!(
            classify_auth(&Method::GET, "/oauth/userinfo"),
            Some("userinfo")
        );
        assert_eq!(classify_auth(&Method::GET, "/oauth/token"), None);
    }
}
