//! `signing send`: one document to a list of signers.

use signing::{Document, NewEnvelope, Signer, SigningOrder, parse_name_email, parse_party};

use super::watch;
use crate::args::SendArgs;
use crate::config;
use crate::exit::CliError;
use crate::output::Output;

/// Checks the input, sends, prints the envelope, and with `--wait` follows it until it is final.
pub(crate) async fn run(args: SendArgs, out: Output) -> Result<(), CliError> {
    // Everything the user typed is checked before the provider is even configured, so a typo
    // is reported as such rather than hidden behind a configuration error.
    let request = request(&args)?;
    let provider = config::provider(&args.provider)?;
    let sending = out.progress(format!(
        "sending {} to {}",
        request
            .documents()
            .first()
            .map_or("the document", Document::name),
        provider.name()
    ));
    let sent = provider.send(&request).await;
    drop(sending);
    let envelope = sent?;
    out.envelope(&envelope)?;
    if args.wait {
        watch::follow(
            &*provider,
            &envelope.id,
            args.interval,
            args.timeout,
            Some(&envelope),
            out,
        )
        .await?;
    }
    Ok(())
}

/// The validated request the arguments describe.
fn request(args: &SendArgs) -> Result<NewEnvelope, CliError> {
    // A blocking read is fine here: nothing else runs yet.
    let document = Document::from_path(&args.document).map_err(|e| {
        CliError::input(format!(
            "cannot read document `{}`: {e}",
            args.document.display()
        ))
    })?;
    let mut builder = NewEnvelope::builder().document(document);
    for text in &args.signer {
        let (name, email) = parse_name_email("--signer", text)?;
        builder = builder.signer(Signer::new(name, email));
    }
    for email in &args.cc {
        builder = builder.cc(email.trim());
    }
    if args.ordered {
        builder = builder.order(SigningOrder::Sequential);
    }
    if let Some(title) = &args.title {
        builder = builder.title(title);
    }
    if let Some(owner) = &args.owner {
        builder = builder.owner(parse_party("--owner", owner)?);
    }
    if let Some(url) = &args.callback_url {
        builder = builder
            .callback_url(url)
            .allow_insecure_loopback_callback(args.allow_insecure_callback);
    }
    if let Some(reference) = &args.reference {
        builder = builder.reference(reference);
    }
    Ok(builder.build()?)
}
