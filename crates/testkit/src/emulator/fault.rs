//! Faults an emulator injects instead of handling a request, and the record of what it received.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method};

/// A fault an emulator injects instead of handling a request normally.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status code and the provider's usual error body for it.
    Status(u16),
    /// Answer 429 with a `Retry-After` header holding this value verbatim (delta-seconds or
    /// HTTP-date). An emulator whose provider signals exceeded limits otherwise answers the
    /// provider's way instead: the DocuSign emulator's API host answers 400
    /// `HOURLY_APIINVOCATION_LIMIT_EXCEEDED` with `X-RateLimit-Reset` this many seconds ahead.
    RateLimited {
        /// The `Retry-After` header value, sent as given.
        retry_after: String,
    },
    /// Wait this long, then handle the request normally (for client timeouts).
    Delay(Duration),
    /// Answer 200 with `content-type: application/json` and a body that is not JSON.
    MalformedBody,
    /// Handle the request normally, then send only the first half of the body while declaring
    /// the full `content-length`, and close the connection.
    TruncatedBody,
    /// Close the connection without sending any response.
    DropConnection,
    /// Handle the request normally, so that any change it asks for is made, then close the
    /// connection without sending the answer: the client cannot tell whether it took effect.
    LostAnswer,
}

/// Per-route fault queues. Cheap to clone: clones share the same queues.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    queues: Arc<Mutex<HashMap<&'static str, VecDeque<Fault>>>>,
}

impl Fault {
    /// Whether the server answers this fault itself, without the request reaching the router.
    pub(crate) fn answers_without_routing(&self) -> bool {
        matches!(
            self,
            Self::Status(_) | Self::RateLimited { .. } | Self::MalformedBody | Self::DropConnection
        )
    }
}

impl FaultPlan {
    /// The next `times` requests to `route` get `fault` (queued after earlier injections).
    pub fn inject(&self, route: &'static str, fault: Fault, times: usize) {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let queue = queues.entry(route).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Forget every pending fault.
    pub fn clear(&self) {
        self.queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The faults not yet applied, route by route (routes in name order), each queue in the
    /// order its faults will be applied.
    pub fn pending(&self) -> Vec<(&'static str, Fault)> {
        let queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let mut routes: Vec<&&'static str> = queues.keys().collect();
        routes.sort();
        routes
            .into_iter()
            .flat_map(|route| {
                queues[*route]
                    .iter()
                    .map(move |fault| (*route, fault.clone()))
            })
            .collect()
    }

    /// Takes the next fault queued for `route`, if any.
    pub(crate) fn take(&self, route: &str) -> Option<Fault> {
        self.queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(route)
            .and_then(VecDeque::pop_front)
    }
}

/// One request as the emulator received it (body bytes included).
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The request method.
    pub method: Method,
    /// The request path, without the query string.
    pub path: String,
    /// The raw query string, if the request had one.
    pub query: Option<String>,
    /// The route the emulator classified the request as, if it matched one.
    pub route: Option<&'static str>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body: complete up to 1 MiB; the first 1 MiB of a longer one (an upload,
    /// which the emulator reads as it arrives rather than holding it).
    pub body: Bytes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_taken_in_injection_order_per_route() {
        let plan = FaultPlan::default();
        plan.inject("a", Fault::Status(500), 2);
        plan.inject("a", Fault::MalformedBody, 1);
        plan.inject("b", Fault::DropConnection, 1);
        assert_eq!(
            plan.pending(),
            [
                ("a", Fault::Status(500)),
                ("a", Fault::Status(500)),
                ("a", Fault::MalformedBody),
                ("b", Fault::DropConnection),
            ]
        );
        assert_eq!(plan.take("a"), Some(Fault::Status(500)));
        assert_eq!(plan.take("b"), Some(Fault::DropConnection));
        assert_eq!(plan.take("a"), Some(Fault::Status(500)));
        assert_eq!(plan.take("a"), Some(Fault::MalformedBody));
        assert_eq!(plan.take("a"), None);
        plan.inject("b", Fault::Status(503), 3);
        plan.clear();
        assert_eq!(plan.take("b"), None);
    }
}
