//! The pages, rendered on the server from what the control handles show.

use std::sync::Arc;
use std::time::Duration;

use signing_core::{EnvelopeStatus, SignerStatus};
use time::OffsetDateTime;
use time::macros::format_description;

use super::html::Html;
use crate::control::{
    Control, Delivery, DocumentView, Email, EmailKind, EnvelopeView, SignerAction,
};
use crate::emulator::Fault;

/// The pages of the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Envelopes,
    Outbox,
    Deliveries,
    Faults,
    /// A page outside the navigation bar (a signing page, an error).
    Other,
}

/// A message shown once, after a form was sent.
#[derive(Debug, Clone)]
pub(crate) enum Flash {
    None,
    Done(String),
    Refused(String),
}

/// The faults the Faults page offers: the form value, a label, and the fault.
pub(crate) const FAULTS: [(&str, &str); 8] = [
    ("status-500", "500 Internal Server Error"),
    ("status-503", "503 Service Unavailable"),
    ("rate-limited", "429 Too Many Requests, Retry-After: 1"),
    ("delay", "a 3 second delay, then the answer"),
    (
        "lost-answer",
        "a lost answer: carried out, then no response",
    ),
    ("drop-connection", "a dropped connection: not carried out"),
    ("malformed-body", "a body that is not JSON"),
    ("truncated-body", "a body cut in half"),
];

/// The fault a form value of [`FAULTS`] names.
pub(crate) fn fault(value: &str) -> Option<Fault> {
    let fault = match value {
        "status-500" => Fault::Status(500),
        "status-503" => Fault::Status(503),
        "rate-limited" => Fault::RateLimited {
            retry_after: "1".to_owned(),
        },
        "delay" => Fault::Delay(Duration::from_secs(3)),
        "lost-answer" => Fault::LostAnswer,
        "drop-connection" => Fault::DropConnection,
        "malformed-body" => Fault::MalformedBody,
        "truncated-body" => Fault::TruncatedBody,
        _ => return None,
    };
    Some(fault)
}

fn describe(fault: &Fault) -> String {
    match fault {
        Fault::Status(code) => format!("status {code}"),
        Fault::RateLimited { retry_after } => format!("rate limited, Retry-After: {retry_after}"),
        Fault::Delay(delay) => format!("a delay of {} s", delay.as_secs_f64()),
        Fault::MalformedBody => "a malformed body".to_owned(),
        Fault::TruncatedBody => "a truncated body".to_owned(),
        Fault::DropConnection => "a dropped connection".to_owned(),
        Fault::LostAnswer => "a lost answer".to_owned(),
    }
}

/// The whole document around a page's `main`.
pub(crate) fn layout(nav: Nav, title: &str, main: &Html) -> Html {
    let mut html = Html::new();
    html.raw("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .raw("<title>")
        .text(title)
        .raw(" · signing sandbox</title>\n")
        .raw("<link rel=\"stylesheet\" href=\"/assets/style.css\">\n")
        .raw("<script src=\"/assets/live.js\" defer></script>\n</head>\n<body>\n")
        .raw("<header>\n<p>signing sandbox</p>\n<nav aria-label=\"Sandbox pages\">\n<ul>\n");
    let links = [
        (Nav::Envelopes, "/", "Envelopes"),
        (Nav::Outbox, "/outbox", "Outbox"),
        (Nav::Deliveries, "/deliveries", "Deliveries"),
        (Nav::Faults, "/faults", "Faults"),
    ];
    for (page, href, label) in links {
        html.raw("<li><a href=\"").raw(href).raw("\"");
        if page == nav {
            html.raw(" aria-current=\"page\"");
        }
        html.raw(">").raw(label).raw("</a></li>\n");
    }
    html.raw("</ul>\n</nav>\n</header>\n<main>\n")
        .append(main)
        .raw("</main>\n<footer>Local emulators only: nothing here reaches a real provider.</footer>\n</body>\n</html>\n");
    html
}

fn time(html: &mut Html, at: OffsetDateTime) {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    let text = at
        .to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default();
    html.raw("<time datetime=\"")
        .text(&at.unix_timestamp().to_string())
        .raw("\">")
        .text(&text)
        .raw("</time>");
}

fn envelope_status(html: &mut Html, status: &EnvelopeStatus, provider_status: &str) {
    let class = match status {
        EnvelopeStatus::Completed => "good",
        EnvelopeStatus::Declined
        | EnvelopeStatus::Cancelled
        | EnvelopeStatus::Expired
        | EnvelopeStatus::Deleted => "bad",
        _ => "wait",
    };
    badge(html, class, &status.to_string());
    html.raw(" <small>(").text(provider_status).raw(")</small>");
}

fn signer_status(html: &mut Html, status: &SignerStatus) {
    let class = match status {
        SignerStatus::Signed => "good",
        SignerStatus::Declined => "bad",
        _ => "wait",
    };
    badge(html, class, &status.to_string());
}

fn badge(html: &mut Html, class: &'static str, text: &str) {
    html.raw("<span class=\"status ")
        .raw(class)
        .raw("\">")
        .text(text)
        .raw("</span>");
}

fn person(html: &mut Html, name: Option<&str>, email: &str) {
    match name.filter(|name| !name.trim().is_empty()) {
        Some(name) => html.text(name).raw(" &lt;").text(email).raw("&gt;"),
        None => html.text(email),
    };
}

fn title_of(envelope: &EnvelopeView) -> &str {
    envelope
        .title
        .as_deref()
        .filter(|title| !title.trim().is_empty())
        .unwrap_or("(untitled)")
}

fn signing_link(html: &mut Html, provider: &str, envelope: &str, email: &str) {
    html.raw("<a href=\"")
        .path(&["sign", provider, envelope, email])
        .raw("\">");
}

/// Envelopes: every envelope on every emulator, newest first.
pub(crate) fn envelopes(controls: &[Arc<dyn Control>]) -> Html {
    let mut main = Html::new();
    main.raw("<h1>Envelopes</h1>\n<p class=\"lead\">Every envelope on ");
    list_labels(&mut main, controls);
    main.raw(", newest first.</p>\n");
    let mut all: Vec<(&dyn Control, EnvelopeView)> = controls
        .iter()
        .flat_map(|control| {
            control
                .envelopes()
                .into_iter()
                .map(move |envelope| (control.as_ref(), envelope))
        })
        .collect();
    all.sort_by_key(|(_, envelope)| std::cmp::Reverse(envelope.created_at));
    if all.is_empty() {
        main.raw("<p>No envelope yet. Point your application at the emulators (the variables <code>signing sandbox</code> printed) and send one.</p>\n");
    } else {
        main.raw("<ul class=\"cards\">\n");
        for (control, envelope) in &all {
            envelope_card(&mut main, *control, envelope);
        }
        main.raw("</ul>\n");
    }
    layout(Nav::Envelopes, "Envelopes", &main)
}

fn list_labels(html: &mut Html, controls: &[Arc<dyn Control>]) {
    for (index, control) in controls.iter().enumerate() {
        if index > 0 {
            html.raw(if index + 1 == controls.len() {
                " and "
            } else {
                ", "
            });
        }
        html.text(control.label());
    }
    if controls.is_empty() {
        html.raw("no emulator");
    }
}

fn envelope_card(html: &mut Html, control: &dyn Control, envelope: &EnvelopeView) {
    let provider = control.provider();
    let id = envelope.id.as_str();
    html.raw("<li class=\"card\">\n<h2>")
        .text(title_of(envelope))
        .raw("</h2>\n<dl class=\"facts\">\n<dt>Provider</dt><dd>")
        .text(control.label())
        .raw("</dd>\n<dt>Status</dt><dd>");
    envelope_status(html, &envelope.status, &envelope.provider_status);
    html.raw("</dd>\n<dt>Envelope id</dt><dd><code>")
        .text(id)
        .raw("</code></dd>\n");
    if let Some(at) = envelope.created_at {
        html.raw("<dt>Created</dt><dd>");
        time(html, at);
        html.raw("</dd>\n");
    }
    html.raw("<dt>Signing</dt><dd>")
        .raw(if envelope.ordered {
            "one after another, in order"
        } else {
            "all at once"
        })
        .raw("</dd>\n</dl>\n<ol class=\"signers\">\n");
    for signer in &envelope.signers {
        html.raw("<li>");
        signing_link(html, provider, id, &signer.email);
        person(html, signer.name.as_deref(), &signer.email);
        html.raw("</a> ");
        signer_status(html, &signer.status);
        html.raw("</li>\n");
    }
    html.raw("</ol>\n");
    if !envelope.cc.is_empty() {
        html.raw("<p>Copies to: ");
        for (index, cc) in envelope.cc.iter().enumerate() {
            if index > 0 {
                html.raw(", ");
            }
            signing_link(html, provider, id, cc);
            html.text(cc).raw("</a>");
        }
        html.raw("</p>\n");
    }
    html.raw("</li>\n");
}

/// Outbox: every e-mail the providers would have sent, newest first, each with its link.
pub(crate) fn outbox(controls: &[Arc<dyn Control>]) -> Html {
    let mut main = Html::new();
    main.raw("<h1>Outbox</h1>\n<p class=\"lead\">The e-mails the providers would have sent, newest first. Each link opens the page its recipient would reach.</p>\n");
    let mut all: Vec<(&dyn Control, Email)> = controls
        .iter()
        .flat_map(|control| {
            control
                .outbox()
                .into_iter()
                .map(move |email| (control.as_ref(), email))
        })
        .collect();
    // Stable: e-mails of the same second keep the order they were sent in.
    all.reverse();
    all.sort_by_key(|(_, email)| std::cmp::Reverse(email.at));
    if all.is_empty() {
        main.raw("<p>No e-mail yet: sending an envelope asks its first signers to sign.</p>\n");
    } else {
        main.raw("<ul class=\"cards\">\n");
        for (control, email) in &all {
            email_card(&mut main, *control, email);
        }
        main.raw("</ul>\n");
    }
    layout(Nav::Outbox, "Outbox", &main)
}

fn email_card(html: &mut Html, control: &dyn Control, email: &Email) {
    html.raw("<li class=\"card\">\n<h2>")
        .text(&email.subject)
        .raw("</h2>\n<dl class=\"facts\">\n<dt>To</dt><dd>");
    person(html, email.name.as_deref(), &email.to);
    html.raw("</dd>\n<dt>What</dt><dd>")
        .text(email.kind.as_str())
        .raw("</dd>\n<dt>From</dt><dd>")
        .text(control.label())
        .raw("</dd>\n<dt>Sent</dt><dd>");
    time(html, email.at);
    html.raw("</dd>\n<dt>Envelope id</dt><dd><code>")
        .text(email.envelope_id.as_str())
        .raw("</code></dd>\n</dl>\n<p>");
    signing_link(
        html,
        control.provider(),
        email.envelope_id.as_str(),
        &email.to,
    );
    html.raw(if email.kind == EmailKind::SignRequest {
        "Review and sign"
    } else {
        "Open the envelope"
    })
    .raw("</a></p>\n</li>\n");
}

/// Deliveries: every webhook, callback and Connect message, newest first.
pub(crate) fn deliveries(controls: &[Arc<dyn Control>]) -> Html {
    let mut main = Html::new();
    main.raw("<h1>Deliveries</h1>\n<p class=\"lead\">Every webhook, callback and Connect message the emulators sent to your application, newest first.</p>\n");
    let mut all: Vec<(&dyn Control, Delivery)> = controls
        .iter()
        .flat_map(|control| {
            control
                .deliveries()
                .into_iter()
                .map(move |delivery| (control.as_ref(), delivery))
        })
        .collect();
    all.reverse();
    all.sort_by_key(|(_, delivery)| std::cmp::Reverse(delivery.at));
    if all.is_empty() {
        main.raw("<p>No delivery yet. HeySign sends webhooks to the URLs registered with it, DocuSign Connect messages to an envelope's callback URL, LEAP Sign its completion callback.</p>\n");
    } else {
        main.raw("<ul class=\"cards\">\n");
        for (control, delivery) in &all {
            delivery_card(&mut main, *control, delivery);
        }
        main.raw("</ul>\n");
    }
    layout(Nav::Deliveries, "Deliveries", &main)
}

fn delivery_card(html: &mut Html, control: &dyn Control, delivery: &Delivery) {
    html.raw("<li class=\"card\">\n<h2>")
        .text(&delivery.event)
        .raw("</h2>\n<dl class=\"facts\">\n<dt>From</dt><dd>")
        .text(control.label())
        .raw("</dd>\n<dt>Event</dt><dd>")
        .show(&delivery.kind)
        .raw("</dd>\n");
    if let Some(id) = &delivery.envelope_id {
        html.raw("<dt>Envelope id</dt><dd><code>")
            .text(id.as_str())
            .raw("</code></dd>\n");
    }
    html.raw("<dt>Target</dt><dd><code>")
        .text(&delivery.url)
        .raw("</code></dd>\n<dt>Answer</dt><dd>");
    match delivery.status {
        Some(status) => html.raw("status ").show(status),
        None => html.text(delivery.error.as_deref().unwrap_or("no answer")),
    };
    html.raw("</dd>\n<dt>Accepted</dt><dd>");
    if delivery.accepted {
        badge(html, "good", "accepted");
    } else {
        badge(html, "bad", "not accepted");
    }
    html.raw("</dd>\n<dt>Sent</dt><dd>");
    time(html, delivery.at);
    html.raw("</dd>\n<dt>Signature</dt><dd>");
    let signatures = delivery.signature_headers();
    if signatures.is_empty() {
        html.raw("none in the headers");
        if control.provider() == "leap-sign" {
            html.raw(": LEAP Sign's callback URL carries the token");
        }
    } else {
        html.raw("<ul class=\"plain\">");
        for (name, value) in &signatures {
            html.raw("<li><code>")
                .text(name)
                .raw(": ")
                .text(value)
                .raw("</code></li>");
        }
        html.raw("</ul>");
    }
    html.raw("</dd>\n</dl>\n</li>\n");
}

/// Faults: per emulator, a form that queues a fault on a route, and what is queued.
pub(crate) fn faults(controls: &[Arc<dyn Control>], flash: &Flash) -> Html {
    let mut main = Html::new();
    main.raw("<h1>Faults</h1>\n<p class=\"lead\">Make the next requests to a route fail, to watch your application cope. A fault is used up by the request it answers.</p>\n");
    flash_message(&mut main, flash);
    for control in controls {
        let routes = control.routes();
        if routes.is_empty() {
            continue;
        }
        let provider = control.provider();
        main.raw("<section class=\"card\" aria-labelledby=\"faults-")
            .text(provider)
            .raw("\">\n<h2 id=\"faults-")
            .text(provider)
            .raw("\">")
            .text(control.label())
            .raw("</h2>\n<form class=\"fault\" method=\"post\" action=\"")
            .path(&["faults", provider])
            .raw("\">\n<label for=\"route-")
            .text(provider)
            .raw("\">Route</label>\n<select id=\"route-")
            .text(provider)
            .raw("\" name=\"route\">\n");
        for route in routes {
            main.raw("<option value=\"")
                .text(route)
                .raw("\">")
                .text(route)
                .raw("</option>\n");
        }
        main.raw("</select>\n<label for=\"fault-")
            .text(provider)
            .raw("\">Fault</label>\n<select id=\"fault-")
            .text(provider)
            .raw("\" name=\"fault\">\n");
        for (value, label) in FAULTS {
            main.raw("<option value=\"")
                .raw(value)
                .raw("\">")
                .raw(label)
                .raw("</option>\n");
        }
        main.raw("</select>\n<label for=\"times-")
            .text(provider)
            .raw("\">Times</label>\n<input id=\"times-")
            .text(provider)
            .raw("\" name=\"times\" type=\"number\" min=\"1\" max=\"100\" value=\"1\" required>\n")
            .raw("<button type=\"submit\">Queue the fault</button>\n</form>\n");
        let pending = control.pending_faults();
        if pending.is_empty() {
            main.raw("<p>Nothing queued.</p>\n");
        } else {
            main.raw("<p>Queued, in order:</p>\n<ul class=\"plain\">\n");
            for (route, fault) in &pending {
                main.raw("<li><code>")
                    .text(route)
                    .raw("</code>: ")
                    .text(&describe(fault))
                    .raw("</li>\n");
            }
            main.raw("</ul>\n<form method=\"post\" action=\"")
                .path(&["faults", provider, "clear"])
                .raw("\"><button type=\"submit\">Clear the queue</button></form>\n");
        }
        main.raw("</section>\n");
    }
    layout(Nav::Faults, "Faults", &main)
}

fn flash_message(html: &mut Html, flash: &Flash) {
    match flash {
        Flash::None => {}
        Flash::Done(message) => {
            html.raw("<p class=\"done\" role=\"status\">")
                .text(message)
                .raw("</p>\n");
        }
        Flash::Refused(message) => {
            html.raw("<p class=\"refused\" role=\"alert\">")
                .text(message)
                .raw("</p>\n");
        }
    }
}

/// The page a signer (or a cc recipient) reaches from their e-mail.
pub(crate) fn signing(
    control: &dyn Control,
    envelope: &EnvelopeView,
    email: &str,
    flash: &Flash,
) -> Html {
    let provider = control.provider();
    let id = envelope.id.as_str();
    let mut main = Html::new();
    main.raw("<h1>")
        .text(title_of(envelope))
        .raw("</h1>\n<p class=\"lead\">");
    main.text(control.label())
        .raw(" · envelope <code>")
        .text(id)
        .raw("</code> · ");
    envelope_status(&mut main, &envelope.status, &envelope.provider_status);
    main.raw("</p>\n");
    flash_message(&mut main, flash);

    you(&mut main, control, envelope, email, flash);

    main.raw("<section aria-labelledby=\"order\">\n<h2 id=\"order\">")
        .raw(if envelope.ordered {
            "Who signs, in this order"
        } else {
            "Who signs (all at once)"
        })
        .raw("</h2>\n<ol class=\"signers\">\n");
    for other in &envelope.signers {
        main.raw("<li>");
        person(&mut main, other.name.as_deref(), &other.email);
        main.raw(" ");
        signer_status(&mut main, &other.status);
        if other.email.eq_ignore_ascii_case(email) {
            main.raw(" <strong>(you)</strong>");
        }
        main.raw("</li>\n");
    }
    main.raw("</ol>\n");
    if !envelope.cc.is_empty() {
        main.raw("<p>Copies go to ");
        for (index, cc) in envelope.cc.iter().enumerate() {
            if index > 0 {
                main.raw(", ");
            }
            main.text(cc);
        }
        main.raw(".</p>\n");
    }
    main.raw("</section>\n");
    main.raw("<section aria-labelledby=\"documents\">\n<h2 id=\"documents\">The document</h2>\n");
    for (index, document) in envelope.documents.iter().enumerate() {
        document_block(&mut main, provider, id, index, document);
    }
    main.raw("</section>\n");

    layout(Nav::Other, title_of(envelope), &main)
}

/// The signer's own part of their page: who they are, and Sign and Decline when their turn
/// has come, or why not.
fn you(
    html: &mut Html,
    control: &dyn Control,
    envelope: &EnvelopeView,
    email: &str,
    flash: &Flash,
) {
    let provider = control.provider();
    let id = envelope.id.as_str();
    let signer = envelope.signer(email);
    html.raw("<section aria-labelledby=\"you\">\n<h2 id=\"you\">You</h2>\n<p>");
    match signer {
        Some(signer) => {
            html.raw("You sign as ");
            person(html, signer.name.as_deref(), &signer.email);
            html.raw(": ");
            signer_status(html, &signer.status);
        }
        None => {
            html.text(email)
                .raw(" receives a copy of this envelope and does not sign it.");
        }
    }
    html.raw("</p>\n");
    if let Some(signer) = signer {
        if envelope.may_act(email) {
            html.raw("<div class=\"actions\">\n<form method=\"post\" action=\"")
                .path(&["sign", provider, id, email, "sign"])
                .raw("\"><button class=\"primary\" type=\"submit\">Sign</button></form>\n");
            if control.supports(SignerAction::Decline) {
                html.raw("<form method=\"post\" action=\"")
                    .path(&["sign", provider, id, email, "decline"])
                    .raw("\"><button class=\"danger\" type=\"submit\">Decline</button></form>\n");
            }
            html.raw("</div>\n");
            if !control.supports(SignerAction::Decline) {
                html.raw("<p>").text(control.label()).raw(
                    " has no way to decline: a signer who will not sign simply does not.</p>\n",
                );
            }
        } else if let Flash::Done(_) = flash {
            // The message above already says what just happened.
        } else if signer.status == SignerStatus::Signed {
            html.raw("<p class=\"done\" role=\"status\">You have signed")
                .raw(if envelope.status == EnvelopeStatus::Completed {
                    ", and so has everyone: the envelope is completed.</p>\n"
                } else {
                    ".</p>\n"
                });
        } else if signer.status == SignerStatus::Declined {
            html.raw("<p class=\"notice\" role=\"status\">You declined to sign.</p>\n");
        } else if envelope.status != EnvelopeStatus::Sent {
            html.raw("<p class=\"notice\" role=\"status\">This envelope is ")
                .show(&envelope.status)
                .raw(": there is nothing to sign.</p>\n");
        } else if signer.status == SignerStatus::Waiting {
            html.raw("<p class=\"notice\" role=\"status\">It is not your turn yet. Waiting for ");
            let waiting = envelope.waiting_for(email);
            for (index, other) in waiting.iter().enumerate() {
                if index > 0 {
                    html.raw(if index + 1 == waiting.len() {
                        " and "
                    } else {
                        ", "
                    });
                }
                html.text(other.display_name());
            }
            if waiting.is_empty() {
                html.raw("the signers before you");
            }
            html.raw(" to sign first; you will be e-mailed when your turn comes.</p>\n");
        }
    }
    html.raw("</section>\n");
}

fn document_block(
    html: &mut Html,
    provider: &str,
    id: &str,
    index: usize,
    document: &DocumentView,
) {
    let number = index.to_string();
    html.raw("<h3>").text(&document.name).raw("</h3>\n<p>");
    if document.content.is_empty() {
        // The emulator keeps no bytes of a document over its limit (keep_documents_up_to).
        html.text(&document.content_type)
            .raw(" · too large for the emulator to keep, so it cannot be shown here</p>\n");
        return;
    }
    match document.page_count() {
        Some(1) => html.raw("1 page · "),
        Some(pages) => html.show(pages).raw(" pages · "),
        None => html,
    };
    html.show(document.content.len())
        .raw(" bytes · ")
        .text(&document.content_type)
        .raw(" · <a href=\"")
        .path(&["documents", provider, id, &number, "download"])
        .raw("\" download>Download the original</a></p>\n");
    if document.is_pdf() {
        html.raw("<object class=\"document\" type=\"application/pdf\" data=\"")
            .path(&["documents", provider, id, &number])
            .raw("\" aria-label=\"")
            .text(&document.name)
            .raw("\"><p>This browser shows no PDF here: <a href=\"")
            .path(&["documents", provider, id, &number])
            .raw("\">open the document</a>.</p></object>\n");
    }
}

/// A page that says what was not found.
pub(crate) fn not_found(message: &str) -> Html {
    let mut main = Html::new();
    main.raw("<h1>Not found</h1>\n<p>")
        .text(message)
        .raw("</p>\n<p><a href=\"/\">All envelopes</a></p>\n");
    layout(Nav::Other, "Not found", &main)
}

/// A page that says why a request was refused.
pub(crate) fn refused(message: &str) -> Html {
    let mut main = Html::new();
    main.raw("<h1>Refused</h1>\n<p class=\"refused\" role=\"alert\">")
        .text(message)
        .raw("</p>\n<p><a href=\"/\">All envelopes</a></p>\n");
    layout(Nav::Other, "Refused", &main)
}
