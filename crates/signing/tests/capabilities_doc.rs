//! `docs/capabilities.md` says what each provider's `capabilities()` returns.

use std::collections::BTreeMap;

use signing::testkit::doc_table;
use signing::{Capabilities, DocumentFormat, ProviderConfig};

/// The table's rows, by label, as `{provider: cell}`.
fn table() -> BTreeMap<String, BTreeMap<String, String>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = doc_table::read_doc(&root, "docs/capabilities.md");
    doc_table::table_after(&doc, None)
        .expect("docs/capabilities.md has a table")
        .into_iter()
        .map(|mut row| {
            let label = row.remove("capability").unwrap_or_default();
            (label, row)
        })
        .collect()
}

fn yes(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

fn describe(caps: &Capabilities) -> BTreeMap<&'static str, String> {
    let formats: Vec<&str> = caps
        .formats
        .iter()
        .map(|f| match f {
            DocumentFormat::Pdf => "PDF",
            DocumentFormat::Docx => "DOCX",
            _ => "other",
        })
        .collect();
    BTreeMap::from([
        ("parallel signing", yes(caps.parallel_signing)),
        ("sequential signing", yes(caps.sequential_signing)),
        ("cc recipients", yes(caps.cc_recipients)),
        ("callback URL per envelope", yes(caps.callback_url)),
        ("verified webhooks", yes(caps.verified_webhooks)),
        ("cancel", yes(caps.cancel)),
        ("delete", yes(caps.delete)),
        ("list", yes(caps.list)),
        ("download of the signed document", yes(caps.download)),
        ("metadata", yes(caps.metadata)),
        ("multiple documents", yes(caps.multiple_documents)),
        (
            "idempotent send (caller reference)",
            yes(caps.idempotent_send),
        ),
        ("national id", yes(caps.national_id)),
        ("formats", formats.join(", ")),
        (
            "max document size",
            caps.max_document_size
                .map_or_else(|| "none".to_owned(), |n| n.to_string()),
        ),
        (
            "minimum polling interval",
            caps.min_poll_interval
                .map_or_else(|| "none".to_owned(), |d| format!("{} s", d.as_secs())),
        ),
    ])
}

#[test]
fn the_capability_matrix_matches_the_code() {
    let table = table();
    let pem = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            signing::testkit::emulator::docusign::DocuSignEmulator::start()
                .await
                .private_key_pem()
        });
    let providers = [
        ProviderConfig::from_map([
            ("provider", "docusign"),
            ("integration_key", "ik"),
            ("user_id", "user"),
            ("private_key", pem),
        ]),
        ProviderConfig::from_map([
            ("provider", "heysign"),
            ("client_id", "id"),
            ("client_secret", "secret"),
        ]),
        ProviderConfig::from_map([("provider", "leap-sign"), ("api_key", "key")]),
        ProviderConfig::from_map([("provider", "memory")]),
    ];
    for config in providers {
        let provider = config.unwrap().build().unwrap();
        let declared = describe(&provider.capabilities());
        assert_eq!(
            table.len(),
            declared.len(),
            "the table and the code list different capabilities"
        );
        for (label, value) in declared {
            let row = table
                .get(label)
                .unwrap_or_else(|| panic!("docs/capabilities.md has no row `{label}`"));
            assert_eq!(
                row.get(provider.name()),
                Some(&value),
                "docs/capabilities.md, row `{label}`, column `{}`",
                provider.name()
            );
        }
    }
}
