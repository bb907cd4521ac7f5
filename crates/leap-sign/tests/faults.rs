//! The fault matrix: every kind of failure the emulator can inject, on launch-new (never
//! repeated once it may have been received) and on the operations that are safe to repeat.
//! Each case checks the outcome, how many requests reached the emulator, and that a send
//! never leaves more than one project behind.

mod support;

use std::time::{Duration, Instant};

use leap_sign::LeapSign;
use signing_core::{
    Envelope, EnvelopeId, EnvelopeStatus, Error, ErrorKind, Result, RetryPolicy, SigningProvider,
    TransportKind,
};
use signing_testkit::emulator::Fault;
use signing_testkit::emulator::leap_sign::{LeapSignEmulator, Route};
use time::OffsetDateTime;
use time::macros::format_description;

/// The client's timeout for one attempt; delays beyond it are timeouts.
const TIMEOUT: Duration = Duration::from_millis(200);

fn fault_adapter(emu: &LeapSignEmulator, retry: RetryPolicy) -> LeapSign {
    support::builder(&emu.base_url(), emu.api_key())
        .with_timeout(TIMEOUT)
        .with_connect_timeout(TIMEOUT)
        .with_retry(retry)
        .build()
        .expect("valid configuration")
}

async fn send(leap: &LeapSign) -> Result<Envelope> {
    leap.send(&support::request(2).build().unwrap()).await
}

#[track_caller]
fn assert_outcome_unknown(err: &Error, status: Option<u16>) {
    assert!(
        matches!(err.kind(), ErrorKind::OutcomeUnknown { operation, .. } if operation == "launch-new"),
        "expected OutcomeUnknown, got {err:?}"
    );
    assert!(!err.is_retryable(), "the caller decides, not a retry loop");
    assert_eq!(err.status(), status);
    assert_eq!(err.provider(), Some("leap-sign"));
}

#[track_caller]
fn assert_launches(emu: &LeapSignEmulator, requests: usize, max_projects: usize) {
    assert_eq!(
        emu.request_count(Route::LaunchNew),
        requests,
        "launch-new requests"
    );
    assert!(
        emu.projects().len() <= max_projects,
        "{} projects, at most {max_projects} allowed",
        emu.projects().len()
    );
}

/// A fresh emulator whose next launch-new gets `fault`, and the result of one send.
async fn launch_with(fault: Fault) -> (LeapSignEmulator, Error) {
    let emu = LeapSignEmulator::start().await;
    emu.inject(Route::LaunchNew, fault, 1);
    let leap = fault_adapter(&emu, support::fast_retry());
    let err = send(&leap).await.expect_err("the fault reaches the caller");
    (emu, err)
}

#[tokio::test]
async fn launch_new_server_errors_are_not_repeated() {
    for code in [500, 502, 504] {
        let (emu, err) = launch_with(Fault::Status(code)).await;
        assert_outcome_unknown(&err, Some(code));
        assert_launches(&emu, 1, 1);
    }
    let (emu, err) = launch_with(Fault::Status(503)).await;
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Provider {
                status: Some(503),
                ..
            }
        ),
        "a 503 says the service did not take the request: {err:?}"
    );
    assert!(
        err.to_string().contains("injected fault"),
        "LEAP's message is kept: {err}"
    );
    assert_launches(&emu, 1, 0);
}

#[tokio::test]
async fn launch_new_rate_limits_are_waited_out_or_returned_with_their_wait() {
    // A wait beyond the policy's time budget is not taken: the caller gets it.
    let (emu, err) = launch_with(Fault::RateLimited {
        retry_after: "30".to_owned(),
    })
    .await;
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited { .. }),
        "{err:?}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(err.status(), Some(429));
    assert_launches(&emu, 1, 0);

    // A 429 says the launch was not taken, so within the budget it is repeated, once.
    for retry_after in ["0", "soon"] {
        let emu = LeapSignEmulator::start().await;
        emu.inject(
            Route::LaunchNew,
            Fault::RateLimited {
                retry_after: retry_after.to_owned(),
            },
            1,
        );
        let leap = fault_adapter(&emu, support::fast_retry());
        send(&leap).await.expect("the repeat is accepted");
        assert_launches(&emu, 2, 1);
        assert_eq!(emu.projects().len(), 1);
    }
}

#[tokio::test]
async fn launch_new_client_errors_keep_status_and_message() {
    let (emu, err) = launch_with(Fault::Status(403)).await;
    assert!(
        matches!(err.kind(), ErrorKind::PermissionDenied { message } if message == "injected fault"),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(403));
    assert_launches(&emu, 1, 0);

    let (emu, err) = launch_with(Fault::Status(404)).await;
    assert!(err.is_not_found(), "{err:?}");
    assert_launches(&emu, 1, 0);

    // A real refusal: the emulator checks the key itself.
    let emu = LeapSignEmulator::start().await;
    let leap = support::builder(&emu.base_url(), "not-the-key")
        .build()
        .unwrap();
    let err = send(&leap).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::PermissionDenied { message } if message.contains("API Key")),
        "{err:?}"
    );
    assert!(!err.to_string().contains("not-the-key"));
    assert_launches(&emu, 1, 0);
}

#[tokio::test]
async fn launch_new_timeout_is_outcome_unknown_after_one_request() {
    let delay = Duration::from_millis(400);
    let (emu, err) = launch_with(Fault::Delay(delay)).await;
    assert_outcome_unknown(&err, None);
    assert!(
        matches!(err.source_kind(), Some(TransportKind::Timeout)),
        "{err:?}"
    );
    assert_launches(&emu, 1, 1);
    // The emulator finishes the delayed request after the client gave up.
    tokio::time::sleep(delay).await;
    assert_launches(&emu, 1, 1);
}

#[tokio::test]
async fn launch_new_broken_answers_are_outcome_unknown() {
    let (emu, err) = launch_with(Fault::DropConnection).await;
    assert_outcome_unknown(&err, None);
    assert_launches(&emu, 1, 0);

    let (emu, err) = launch_with(Fault::MalformedBody).await;
    assert_outcome_unknown(&err, None);
    assert!(err.to_string().contains("cannot be read"), "{err}");
    assert_launches(&emu, 1, 0);

    // The project was created; only its answer was cut short.
    let (emu, err) = launch_with(Fault::TruncatedBody).await;
    assert_outcome_unknown(&err, None);
    assert_launches(&emu, 1, 1);
    assert_eq!(emu.projects().len(), 1);
}

/// A loopback port with nothing listening.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.local_addr().expect("address").port()
}

#[tokio::test]
async fn connect_errors_are_retried_per_policy_even_for_launch_new() {
    let port = closed_port();
    let leap = support::builder(&format!("http://127.0.0.1:{port}"), "k")
        .with_retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let err = send(&leap).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.is_retryable(),
        "nothing was sent, so the caller may send again"
    );
    // Two waits: at least 50 ms, then at least 100 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let err = leap.get(&EnvelopeId::new("p")).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Transport {
            kind: TransportKind::Connect,
            ..
        }
    ));
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn launch_new_recovers_once_the_server_is_reachable() {
    let emu = LeapSignEmulator::start().await;
    let port = closed_port();
    let target = emu.base_url().trim_start_matches("http://").to_owned();
    // The address starts answering a little later, forwarding to the emulator.
    let forwarder = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("rebind the port");
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let leap = support::builder(&format!("http://127.0.0.1:{port}"), emu.api_key())
        .with_retry(
            RetryPolicy::default()
                .max_attempts(20)
                .initial_backoff(Duration::from_millis(40))
                .max_backoff(Duration::from_millis(80)),
        )
        .build()
        .unwrap();
    let sent = send(&leap).await.expect("sent after the connect errors");
    assert_eq!(sent.status, EnvelopeStatus::Sent);
    assert_launches(&emu, 1, 1);
    assert_eq!(emu.projects().len(), 1);
    forwarder.abort();
}

/// A fresh emulator with one project, an adapter, and the project's id.
async fn with_project() -> (LeapSignEmulator, LeapSign, EnvelopeId) {
    let emu = LeapSignEmulator::start().await;
    let leap = fault_adapter(&emu, support::fast_retry());
    let id = send(&leap).await.expect("send").id;
    (emu, leap, id)
}

#[tokio::test]
async fn reads_recover_from_transient_faults() {
    for (fault, times) in [
        (Fault::Status(503), 2),
        (Fault::Status(500), 1),
        (Fault::Status(502), 2),
        (Fault::Delay(Duration::from_millis(400)), 1),
        (Fault::DropConnection, 2),
        (Fault::TruncatedBody, 1),
    ] {
        let (emu, leap, id) = with_project().await;
        emu.inject(Route::GetProcessData, fault.clone(), times);
        let envelope = leap
            .get(&id)
            .await
            .unwrap_or_else(|err| panic!("{fault:?} x{times}: {err:?}"));
        assert_eq!(envelope.id, id);
        assert_eq!(
            emu.request_count(Route::GetProcessData),
            times + 1,
            "{fault:?} x{times}"
        );
        assert_launches(&emu, 1, 1);
    }
}

#[tokio::test]
async fn reads_give_up_after_the_policys_attempts() {
    let (emu, leap, id) = with_project().await;
    emu.inject(Route::GetProcessData, Fault::Status(503), 5);
    let err = leap.get(&id).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Provider {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(emu.request_count(Route::GetProcessData), 3);
}

#[tokio::test]
async fn reads_do_not_repeat_what_a_retry_cannot_fix() {
    for (fault, check) in [
        (
            Fault::MalformedBody,
            (|err: &Error| matches!(err.kind(), ErrorKind::UnexpectedResponse { .. }))
                as fn(&Error) -> bool,
        ),
        (Fault::Status(403), |err: &Error| {
            matches!(err.kind(), ErrorKind::PermissionDenied { .. }) && err.status() == Some(403)
        }),
        (Fault::Status(404), |err: &Error| {
            err.is_not_found() && err.status() == Some(404)
        }),
        (Fault::Status(400), |err: &Error| {
            matches!(err.kind(), ErrorKind::InvalidRequest { .. })
        }),
    ] {
        let (emu, leap, id) = with_project().await;
        emu.inject(Route::GetProcessData, fault.clone(), 1);
        let err = leap.get(&id).await.unwrap_err();
        assert!(check(&err), "{fault:?}: {err:?}");
        assert_eq!(emu.request_count(Route::GetProcessData), 1, "{fault:?}");
    }
}

#[tokio::test]
async fn reads_wait_as_long_as_retry_after_says_in_seconds() {
    let (emu, leap, id) = with_project().await;
    emu.inject(
        Route::GetProcessData,
        Fault::RateLimited {
            retry_after: "1".to_owned(),
        },
        1,
    );
    let started = Instant::now();
    leap.get(&id).await.expect("recovered");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emu.request_count(Route::GetProcessData), 2);
}

#[tokio::test]
async fn reads_wait_until_a_retry_after_date() {
    let (emu, leap, id) = with_project().await;
    let at = OffsetDateTime::now_utc() + Duration::from_secs(2);
    let date = at
        .format(format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap();
    emu.inject(
        Route::GetProcessData,
        Fault::RateLimited { retry_after: date },
        1,
    );
    let started = Instant::now();
    leap.get(&id).await.expect("recovered");
    // The date has whole seconds, so the wait is between one and two seconds.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emu.request_count(Route::GetProcessData), 2);
}

#[tokio::test]
async fn cancel_and_delete_recover_from_transient_faults() {
    let (emu, leap, id) = with_project().await;
    emu.inject(Route::Cancel, Fault::Status(503), 1);
    emu.inject(Route::Cancel, Fault::DropConnection, 1);
    leap.cancel(&id).await.expect("cancelled");
    assert_eq!(emu.request_count(Route::Cancel), 3);
    assert_eq!(emu.project(id.as_str()).unwrap()["status"], "CANCELLED");

    emu.inject(Route::Delete, Fault::Status(502), 1);
    emu.inject(
        Route::Delete,
        Fault::RateLimited {
            retry_after: "0".to_owned(),
        },
        1,
    );
    leap.delete(&id).await.expect("deleted");
    assert_eq!(emu.request_count(Route::Delete), 3);
    assert!(emu.projects().is_empty());
}

#[tokio::test]
async fn timed_out_cancels_and_deletes_are_retried() {
    let (emu, leap, id) = with_project().await;
    emu.inject(Route::Cancel, Fault::Delay(Duration::from_millis(400)), 1);
    leap.cancel(&id).await.expect("cancelled");
    assert_eq!(emu.request_count(Route::Cancel), 2);
    assert_eq!(emu.project(id.as_str()).unwrap()["status"], "CANCELLED");

    emu.inject(Route::Delete, Fault::Delay(Duration::from_millis(400)), 1);
    leap.delete(&id).await.expect("deleted");
    assert_eq!(emu.request_count(Route::Delete), 2);
    assert!(emu.projects().is_empty());
}

/// Which transport failure lies under an error, following its sources.
trait SourceKind {
    fn source_kind(&self) -> Option<TransportKind>;
}

impl SourceKind for Error {
    fn source_kind(&self) -> Option<TransportKind> {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(err) = current {
            if let Some(err) = err.downcast_ref::<Error>()
                && let ErrorKind::Transport { kind, .. } = err.kind()
            {
                return Some(*kind);
            }
            current = err.source();
        }
        None
    }
}

#[tokio::test]
async fn cancels_and_deletes_whose_answers_were_lost_count_as_done() {
    let (emu, leap, id) = with_project().await;
    // Carried out, answer lost: the repeat is refused (400 for a cancelled project, 404 for a
    // deleted one), and the refusal is recognised as the earlier attempt's success.
    emu.inject(Route::Cancel, Fault::LostAnswer, 1);
    leap.cancel(&id).await.expect("cancelled");
    assert_eq!(emu.request_count(Route::Cancel), 2);
    assert_eq!(emu.project(id.as_str()).unwrap()["status"], "CANCELLED");

    emu.inject(Route::Delete, Fault::LostAnswer, 1);
    leap.delete(&id).await.expect("deleted");
    assert_eq!(emu.request_count(Route::Delete), 2);
    assert!(emu.projects().is_empty());

    // Without a lost answer, the same refusals are errors.
    assert!(leap.delete(&id).await.unwrap_err().is_not_found());
}
