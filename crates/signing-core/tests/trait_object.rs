//! The trait works as `Arc<dyn SigningProvider>` across tasks, and the extension methods work on
//! any provider, `dyn` included.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt;
use signing_core::{
    Capabilities, Document, Envelope, EnvelopeId, EnvelopeSigner, EnvelopeStatus, Error, ErrorKind,
    Event, ListQuery, MockSigningProvider, NewEnvelope, Page, Result, Signer, SignerStatus,
    SigningProvider, SigningProviderExt, WatchOptions, WebhookRequest,
};

fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn dyn_provider_is_send_sync() {
    assert_send_sync::<Arc<dyn SigningProvider>>();
    assert_send_sync::<Box<dyn SigningProvider>>();
}

fn envelope(id: &str, status: EnvelopeStatus, signer: SignerStatus) -> Envelope {
    let mut e = Envelope::new(EnvelopeId::new(id), "scripted", status);
    e.signers.push(EnvelopeSigner::new("a@example.com", signer));
    e
}

/// A provider whose `get` and `list` answers are scripted in advance.
#[derive(Debug, Default)]
struct Scripted {
    min_poll_interval: Option<Duration>,
    get_times: Mutex<Vec<std::time::Instant>>,
    gets: Mutex<VecDeque<Result<Envelope>>>,
    pages: Mutex<Vec<(Option<String>, Page<Envelope>)>>,
    list_calls: Mutex<Vec<Option<String>>>,
}

#[async_trait]
impl SigningProvider for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }
    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::default();
        caps.min_poll_interval = self.min_poll_interval;
        caps
    }
    async fn send(&self, _request: &NewEnvelope) -> Result<Envelope> {
        Err(Error::unsupported("send", "scripted"))
    }
    async fn get(&self, _id: &EnvelopeId) -> Result<Envelope> {
        self.get_times
            .lock()
            .unwrap()
            .push(std::time::Instant::now());
        self.gets
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Err(Error::not_found("script exhausted")))
    }
    async fn cancel(&self, _id: &EnvelopeId) -> Result<()> {
        Err(Error::unsupported("cancel", "scripted"))
    }
    async fn delete(&self, _id: &EnvelopeId) -> Result<()> {
        Err(Error::unsupported("delete", "scripted"))
    }
    async fn list(&self, query: &ListQuery) -> Result<Page<Envelope>> {
        self.list_calls
            .lock()
            .unwrap()
            .push(query.page_token.clone());
        let pages = self.pages.lock().unwrap();
        pages
            .iter()
            .find(|(token, _)| *token == query.page_token)
            .map(|(_, page)| page.clone())
            .ok_or_else(|| Error::invalid_request("page_token", "unknown"))
    }
    async fn download(&self, _id: &EnvelopeId) -> Result<Document> {
        Err(Error::unsupported("download", "scripted"))
    }
    async fn parse_webhook(&self, _request: &WebhookRequest) -> Result<Vec<Event>> {
        Err(Error::unsupported("webhooks", "scripted"))
    }
}

#[tokio::test]
async fn arc_dyn_provider_runs_on_spawned_tasks() {
    let mut mock = MockSigningProvider::new();
    mock.expect_name().return_const("mock");
    mock.expect_get().returning(|id| {
        Ok(envelope(
            id.as_str(),
            EnvelopeStatus::Sent,
            SignerStatus::Notified,
        ))
    });
    let provider: Arc<dyn SigningProvider> = Arc::new(mock);

    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let provider = Arc::clone(&provider);
            tokio::spawn(async move { provider.get(&EnvelopeId::new(format!("e{i}"))).await })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let envelope = task.await.unwrap().unwrap();
        assert_eq!(envelope.id.as_str(), format!("e{i}"));
    }
    assert_eq!(provider.name(), "mock");
}

#[tokio::test]
async fn mock_refusals_keep_their_kind() {
    let mut mock = MockSigningProvider::new();
    mock.expect_cancel()
        .returning(|_| Err(Error::invalid_state("already completed")));
    let provider: Arc<dyn SigningProvider> = Arc::new(mock);
    let err = provider.cancel(&EnvelopeId::new("x")).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidState { .. }));
}

#[tokio::test]
async fn watch_yields_changes_until_terminal() {
    let scripted = Scripted::default();
    scripted.gets.lock().unwrap().extend([
        Ok(envelope("e", EnvelopeStatus::Sent, SignerStatus::Notified)),
        Ok(envelope("e", EnvelopeStatus::Sent, SignerStatus::Notified)),
        Ok(envelope("e", EnvelopeStatus::Sent, SignerStatus::Viewed)),
        Ok(envelope(
            "e",
            EnvelopeStatus::Completed,
            SignerStatus::Signed,
        )),
        // Never read: the stream ends at the terminal status.
        Ok(envelope("e", EnvelopeStatus::Sent, SignerStatus::Notified)),
    ]);
    let provider: Arc<dyn SigningProvider> = Arc::new(scripted);
    let seen: Vec<_> = provider
        .watch(
            &EnvelopeId::new("e"),
            WatchOptions::every(Duration::from_millis(1)),
        )
        .try_collect()
        .await
        .unwrap();
    let statuses: Vec<_> = seen
        .iter()
        .map(|e| (e.status.clone(), e.signers[0].status.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (EnvelopeStatus::Sent, SignerStatus::Notified),
            (EnvelopeStatus::Sent, SignerStatus::Viewed),
            (EnvelopeStatus::Completed, SignerStatus::Signed),
        ]
    );
}

#[tokio::test]
async fn watch_never_polls_faster_than_the_provider_allows() {
    // The runtime-free timer of the core cannot be paused: a short floor stands in for
    // DocuSign's 15 minutes.
    let floor = Duration::from_millis(100);
    let scripted = Scripted {
        min_poll_interval: Some(floor),
        ..Scripted::default()
    };
    scripted.gets.lock().unwrap().extend([
        Ok(envelope("e", EnvelopeStatus::Sent, SignerStatus::Notified)),
        Ok(envelope("e", EnvelopeStatus::Sent, SignerStatus::Notified)),
        Ok(envelope(
            "e",
            EnvelopeStatus::Completed,
            SignerStatus::Signed,
        )),
    ]);
    let seen: Vec<_> = scripted
        .watch(
            &EnvelopeId::new("e"),
            WatchOptions::every(Duration::from_millis(1)),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seen.len(), 2);
    let times = scripted.get_times.lock().unwrap();
    assert_eq!(times.len(), 3);
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= floor, "{:?}", pair[1] - pair[0]);
    }
}

#[tokio::test]
async fn watch_ends_after_an_error() {
    let scripted = Scripted::default();
    scripted.gets.lock().unwrap().extend([
        Ok(envelope("e", EnvelopeStatus::Sent, SignerStatus::Notified)),
        Err(Error::not_found("gone")),
    ]);
    let mut stream = scripted.watch(&EnvelopeId::new("e"), WatchOptions::every(Duration::ZERO));
    assert!(stream.try_next().await.unwrap().is_some());
    assert!(stream.try_next().await.unwrap_err().is_not_found());
    assert!(futures_util::StreamExt::next(&mut stream).await.is_none());
}

#[tokio::test]
async fn list_all_follows_page_tokens() {
    let scripted = Scripted::default();
    *scripted.pages.lock().unwrap() = vec![
        (
            None,
            Page::new(
                vec![
                    envelope("1", EnvelopeStatus::Sent, SignerStatus::Notified),
                    envelope("2", EnvelopeStatus::Sent, SignerStatus::Notified),
                ],
                Some("p2".into()),
            ),
        ),
        (
            Some("p2".into()),
            Page::new(
                vec![envelope(
                    "3",
                    EnvelopeStatus::Completed,
                    SignerStatus::Signed,
                )],
                Some("p3".into()),
            ),
        ),
        (Some("p3".into()), Page::new(Vec::new(), None)),
    ];
    let ids: Vec<String> = scripted
        .list_all(ListQuery::new().metadata("k", "v"))
        .map_ok(|e| e.id.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(
        *scripted.list_calls.lock().unwrap(),
        [None, Some("p2".to_owned()), Some("p3".to_owned())]
    );
}

#[tokio::test]
async fn list_all_stops_on_a_repeated_token_and_on_errors() {
    let scripted = Scripted::default();
    *scripted.pages.lock().unwrap() = vec![
        (None, Page::new(vec![], Some("p2".into()))),
        (
            Some("p2".into()),
            Page::new(
                vec![envelope("1", EnvelopeStatus::Sent, SignerStatus::Notified)],
                Some("p2".into()),
            ),
        ),
    ];
    let all: Vec<_> = scripted
        .list_all(ListQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);

    let failing = Scripted::default();
    let results: Vec<_> = futures_util::StreamExt::collect::<Vec<_>>(
        failing.list_all(ListQuery::new().page_token("nope")),
    )
    .await;
    assert_eq!(results.len(), 1);
    assert!(results[0].is_err());
}

#[test]
fn request_validation_happens_before_any_provider_sees_it() {
    // A mock with no expectations panics if called: building fails first.
    let _mock = MockSigningProvider::new();
    let err = NewEnvelope::builder()
        .document(Document::new("a.pdf", &b"%PDF-1.7"[..]))
        .signer(Signer::new("Ada", "not-an-email"))
        .build()
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { field, .. } if field == "signers[0].email")
    );
}
