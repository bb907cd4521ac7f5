//! The LEAP Sign emulator's answer modes, seen from a client: raw `reqwest` requests, and the
//! answers held to the documented-fields table of `emulator/mode.rs` and to the variations the
//! emulator reports.
#![cfg(feature = "leap-sign")]

mod answer_modes;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use answer_modes::{Checker, UNTYPED_KINDS, at, kept_fields, keys, mode_table, skeleton};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use signing_testkit::emulator::leap_sign::{
    LeapSignEmulator, PROJECT_ID_FIELDS, PROJECT_STATUS_FIELDS,
};
use signing_testkit::emulator::{AnswerMode, VariationKind};

const LAUNCH_NEW: &str = "/api/v1/external/sign-only-api/projects/launch-new";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const CALLBACK: &str = "https://example.invalid/leap/callback";
const WAIT: Duration = Duration::from_secs(5);

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

/// A valid launch-new form: two ordered signers, a recipient, a callback URL (recorded, not
/// called: it is not on this machine).
fn form(extra_part: Option<(&'static str, &'static str)>) -> Form {
    let mut form = Form::new()
        .text("name", "NDA")
        .text(
            "projectOwner",
            r#"{"name":"Olga Owner","organization":"Acme","email":"olga@example.com","title":"CEO"}"#,
        )
        .text(
            "signers",
            r#"{"signers":[{"name":"Ann","email":"ann@example.com","title":"CFO"},{"name":"Bob","email":"bob@example.com"}]}"#,
        )
        .part(
            "document",
            Part::bytes(PDF.to_vec())
                .file_name("nda.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        )
        .text("orderedSigners", "true")
        .text("additionalRecipients", r#"["cc@example.com"]"#)
        .text("signTasksCompletedCallbackUrl", CALLBACK);
    if let Some((name, value)) = extra_part {
        form = form.text(name, value);
    }
    form
}

/// Launches and returns the status and raw body.
async fn launch_raw(emu: &LeapSignEmulator, form: Form) -> (StatusCode, Vec<u8>) {
    let response = client()
        .post(format!("{}{LAUNCH_NEW}", emu.base_url()))
        .header("Authorization", emu.api_key())
        .header("Accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("launch-new answered");
    let status = response.status();
    (status, response.bytes().await.expect("body").to_vec())
}

/// Gets the process data and returns the raw body.
async fn process_data_raw(emu: &LeapSignEmulator, id: &str) -> Vec<u8> {
    let response = client()
        .get(format!(
            "{}/api/v1/external/projects/info-for-sign-only-integrator/{id}",
            emu.base_url()
        ))
        .header("Authorization", emu.api_key())
        .send()
        .await
        .expect("process data answered");
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.expect("body").to_vec()
}

fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON body")
}

/// The id of the only project the emulator holds (from its control handle).
fn only_project_id(emu: &LeapSignEmulator) -> String {
    let projects = emu.projects();
    assert_eq!(projects.len(), 1);
    projects[0]["projectId"].as_str().expect("id").to_owned()
}

/// Every candidate place of `PROJECT_ID_FIELDS` that holds `id` in `answer`.
fn id_places(answer: &Value, id: &str) -> Vec<&'static str> {
    PROJECT_ID_FIELDS
        .iter()
        .copied()
        .filter(|place| at(answer, place).first().and_then(|value| value.as_str()) == Some(id))
        .collect()
}

/// One launch, a signature, a read and the completion, in `mode`; the answers and the process
/// data in the assumed shape at each step.
struct Run {
    emu: LeapSignEmulator,
    id: String,
    launched: Value,
    launched_assumed: Value,
    read: Value,
    read_assumed: Value,
    callback: Value,
}

async fn run(mode: AnswerMode) -> Run {
    let emu = LeapSignEmulator::builder().answer_mode(mode).start().await;
    let (status, body) = launch_raw(&emu, form(None)).await;
    assert_eq!(status, StatusCode::OK);
    let launched = parse(&body);
    let id = only_project_id(&emu);
    let launched_assumed = emu.project(&id).expect("project");
    emu.sign(&id, "ann@example.com").expect("Ann signs");
    let read = parse(&process_data_raw(&emu, &id).await);
    let read_assumed = emu.project(&id).expect("project");
    emu.sign_all(&id).expect("Bob signs");
    let callback = emu.wait_for_callback(&id, WAIT).await.expect("callback");
    assert_eq!(callback.url, CALLBACK);
    let callback = parse(&callback.body);
    Run {
        emu,
        id,
        launched,
        launched_assumed,
        read,
        read_assumed,
        callback,
    }
}

#[tokio::test]
async fn assumed_answers_are_todays_byte_for_byte() {
    let emu = LeapSignEmulator::start().await;
    assert_eq!(emu.answer_mode(), AnswerMode::Assumed);
    assert!(emu.variations().is_empty());
    let (status, launched) = launch_raw(&emu, form(None)).await;
    assert_eq!(status, StatusCode::OK);
    let id = only_project_id(&emu);
    let assumed = emu.project(&id).expect("project");
    assert_eq!(launched, serde_json::to_vec(&assumed).expect("JSON"));
    // Today's shape, every field under its assumed name.
    assert_eq!(
        keys(&assumed),
        [
            "additionalRecipients",
            "cancelledAt",
            "completedAt",
            "createdAt",
            "createdThroughSignApi",
            "document",
            "name",
            "orderedSigners",
            "projectId",
            "projectOwner",
            "status",
            "workflow",
        ]
        .map(str::to_owned)
        .into(),
    );
    assert_eq!(assumed["status"], "IN_PROGRESS");
    assert_eq!(assumed["workflow"]["signers"][0]["status"], "NOTIFIED");
    assert_eq!(assumed["document"]["size"], PDF.len());

    emu.sign(&id, "ann@example.com").expect("Ann signs");
    let read = process_data_raw(&emu, &id).await;
    assert_eq!(
        read,
        serde_json::to_vec(&emu.project(&id).expect("project")).expect("JSON")
    );

    emu.sign_all(&id).expect("Bob signs");
    let callback = emu.wait_for_callback(&id, WAIT).await.expect("callback");
    assert_eq!(
        &callback.body[..],
        format!(r#"{{"projectId":"{id}","status":"COMPLETED"}}"#).as_bytes()
    );

    // Asking for the default explicitly changes nothing.
    let explicit = LeapSignEmulator::builder()
        .answer_mode(AnswerMode::Assumed)
        .start()
        .await;
    let (_, launched) = launch_raw(&explicit, form(None)).await;
    let id = only_project_id(&explicit);
    assert_eq!(
        launched,
        serde_json::to_vec(&explicit.project(&id).expect("project")).expect("JSON")
    );
}

#[tokio::test]
async fn documented_only_sends_the_project_id_and_its_status_alone() {
    let table = mode_table("## LEAP Sign");
    let run = run(AnswerMode::DocumentedOnly).await;
    let kept = kept_fields(&table, "process data");
    assert_eq!(
        kept,
        BTreeSet::from(["projectId".to_owned(), "status".to_owned()])
    );
    assert_eq!(
        run.launched,
        json!({"projectId": run.id, "status": "IN_PROGRESS"})
    );
    assert_eq!(
        run.read,
        json!({"projectId": run.id, "status": "IN_PROGRESS"})
    );
    assert_eq!(keys(&run.launched), kept);
    assert_eq!(keys(&run.callback), kept_fields(&table, "callback body"));
    assert_eq!(run.callback, json!({"projectId": run.id}));

    // The control handle still shows the assumed shape.
    assert_eq!(run.read_assumed["status"], "IN_PROGRESS");
    assert_eq!(
        run.emu.project(&run.id).expect("project")["status"],
        "COMPLETED"
    );

    // The variations name every field left out, and nothing else.
    let variations = run.emu.variations();
    assert!(
        variations
            .iter()
            .all(|variation| variation.kind == VariationKind::MissingField)
    );
    let left_out: BTreeSet<String> = variations
        .iter()
        .filter(|variation| variation.object == "process data")
        .map(|variation| variation.field.clone())
        .collect();
    let mut undocumented = keys(&run.read_assumed);
    undocumented.remove("projectId");
    undocumented.remove("status");
    assert_eq!(left_out, undocumented);
    let mut checker = Checker::default();
    checker.check(
        &variations,
        "process data",
        &run.launched,
        &run.launched_assumed,
        &[],
    );
    checker.check(
        &variations,
        "process data",
        &run.read,
        &run.read_assumed,
        &[],
    );
}

#[tokio::test]
async fn requests_are_as_strict_in_every_mode() {
    for mode in [AnswerMode::DocumentedOnly, AnswerMode::Variant { seed: 7 }] {
        let emu = LeapSignEmulator::builder().answer_mode(mode).start().await;
        let (status, body) = launch_raw(&emu, form(Some(("projectName", "NDA")))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{mode:?}");
        // Error bodies are the same in every mode.
        let body = parse(&body);
        assert_eq!(
            keys(&body),
            ["error", "message", "status"].map(str::to_owned).into()
        );
        assert_eq!(body["error"], "INTERNAL_SERVER_ERROR");
        assert!(emu.projects().is_empty());
    }
}

#[tokio::test]
async fn the_mode_can_change_at_run_time() {
    let emu = LeapSignEmulator::start().await;
    let (_, launched) = launch_raw(&emu, form(None)).await;
    let id = only_project_id(&emu);
    assert_eq!(parse(&launched)["projectId"], id.as_str());

    emu.set_answer_mode(AnswerMode::DocumentedOnly);
    assert_eq!(emu.answer_mode(), AnswerMode::DocumentedOnly);
    assert_eq!(
        parse(&process_data_raw(&emu, &id).await),
        json!({"projectId": id, "status": "IN_PROGRESS"})
    );

    let seed = (0..64)
        .find(|seed| {
            let emu_mode = AnswerMode::Variant { seed: *seed };
            emu.set_answer_mode(emu_mode);
            emu.variations().iter().any(|variation| {
                variation.object == "process data"
                    && variation.field == "projectId"
                    && variation.sent_as.as_deref() == Some("id")
            })
        })
        .expect("a seed puts the id under `id`");
    assert_eq!(emu.answer_mode(), AnswerMode::Variant { seed });
    let read = parse(&process_data_raw(&emu, &id).await);
    assert_eq!(read["id"], id.as_str());
    assert!(read.get("projectId").is_none(), "{read}");

    emu.set_answer_mode(AnswerMode::Assumed);
    assert_eq!(
        process_data_raw(&emu, &id).await,
        serde_json::to_vec(&emu.project(&id).expect("project")).expect("JSON")
    );
    // The callback takes the mode of the moment the project completes.
    emu.set_answer_mode(AnswerMode::DocumentedOnly);
    emu.sign_all(&id).expect("signers sign");
    let callback = emu.wait_for_callback(&id, WAIT).await.expect("callback");
    assert_eq!(parse(&callback.body), json!({"projectId": id}));
}

#[tokio::test]
async fn variants_are_fixed_by_their_seed_and_differ_across_seeds() {
    for seed in [3, 17, 40] {
        let first = run(AnswerMode::Variant { seed }).await;
        let second = run(AnswerMode::Variant { seed }).await;
        assert_eq!(
            first.emu.variations(),
            second.emu.variations(),
            "seed {seed}"
        );
        assert!(!first.emu.variations().is_empty());
        for (one, two) in [
            (&first.launched, &second.launched),
            (&first.read, &second.read),
            (&first.callback, &second.callback),
        ] {
            assert_eq!(
                skeleton(one, std::slice::from_ref(&first.id)),
                skeleton(two, std::slice::from_ref(&second.id)),
                "seed {seed}"
            );
        }
        // launch-new and get process data answer with one shape.
        assert_eq!(
            keys(&first.launched),
            keys(&first.read),
            "seed {seed}: launch and read differ"
        );
    }

    let emu = LeapSignEmulator::start().await;
    let distinct: BTreeSet<String> = (0..40)
        .map(|seed| {
            emu.set_answer_mode(AnswerMode::Variant { seed });
            format!("{:?}", emu.variations())
        })
        .collect();
    assert!(
        distinct.len() >= 38,
        "only {} distinct variants",
        distinct.len()
    );
}

#[tokio::test]
async fn variants_keep_the_project_id_findable_and_report_every_change() {
    let mut checker = Checker::default();
    let mut places: BTreeMap<&str, usize> = BTreeMap::new();
    let mut status_places: BTreeSet<&str> = BTreeSet::new();
    for seed in 0..48 {
        let run = run(AnswerMode::Variant { seed }).await;
        let variations = run.emu.variations();
        for answer in [&run.launched, &run.read, &run.callback] {
            let found = id_places(answer, &run.id);
            assert_eq!(found.len(), 1, "seed {seed}: {answer}");
            *places.entry(found[0]).or_default() += 1;
        }
        // The status is always there, in one of its places, as a string.
        for answer in [&run.launched, &run.read] {
            let found: Vec<&str> = PROJECT_STATUS_FIELDS
                .into_iter()
                .filter(|place| answer[*place].is_string())
                .collect();
            assert_eq!(found.len(), 1, "seed {seed}: {answer}");
            status_places.insert(found[0]);
        }
        let assumed_callback = json!({"projectId": run.id, "status": "COMPLETED"});
        checker.check(
            &variations,
            "process data",
            &run.launched,
            &run.launched_assumed,
            &[],
        );
        checker.check(
            &variations,
            "process data",
            &run.read,
            &run.read_assumed,
            &[],
        );
        checker.check(
            &variations,
            "callback body",
            &run.callback,
            &assumed_callback,
            &[],
        );
    }
    // Every candidate place of the project id is used, and every kind of change is seen.
    assert_eq!(
        places.keys().copied().collect::<BTreeSet<_>>(),
        PROJECT_ID_FIELDS.into_iter().collect(),
        "{places:?}"
    );
    assert_eq!(status_places, PROJECT_STATUS_FIELDS.into_iter().collect());
    checker.assert_kinds_seen(&UNTYPED_KINDS, 5);
    let details = |kind| checker.details.get(&kind).cloned().unwrap_or_default();
    assert_eq!(
        details(VariationKind::EnumCasing),
        ["PascalCase", "camelCase", "lower_snake"]
            .map(str::to_owned)
            .into()
    );
    assert_eq!(details(VariationKind::TimestampFormat).len(), 3);
    for json_type in ["object", "array"] {
        assert!(
            details(VariationKind::ExtraField).contains(json_type),
            "{:?}",
            checker.details
        );
    }
}
