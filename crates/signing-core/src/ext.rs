//! Conveniences built only on [`SigningProvider`], available on every provider.

use std::time::Duration;

use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::envelope::Envelope;
use crate::error::Result;
use crate::id::EnvelopeId;
use crate::provider::{ListQuery, SigningProvider};
use crate::status::{EnvelopeStatus, SignerStatus};

/// How [`SigningProviderExt::watch`] polls.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatchOptions {
    /// The pause between two reads of the envelope.
    pub interval: Duration,
}

impl WatchOptions {
    /// Polls every `interval`.
    pub fn every(interval: Duration) -> Self {
        Self { interval }
    }
}

impl Default for WatchOptions {
    /// Polls every five seconds.
    fn default() -> Self {
        Self::every(Duration::from_secs(5))
    }
}

/// Conveniences for every [`SigningProvider`], `dyn` ones included.
///
/// Implemented for every provider; implementors of `SigningProvider` never write these.
pub trait SigningProviderExt: SigningProvider {
    /// Follows an envelope by polling: yields its state first, then each time its status or a
    /// signer's status changes, and ends after yielding a terminal status
    /// ([`EnvelopeStatus::is_terminal`]).
    ///
    /// It polls every [`WatchOptions::interval`], or every
    /// [`Capabilities::min_poll_interval`](crate::Capabilities::min_poll_interval) when the
    /// provider requires longer pauses: no library code polls faster than a provider allows.
    ///
    /// An error is yielded once and ends the stream; start a new watch to go on.
    ///
    /// ```
    /// # async fn example(provider: &dyn signing_core::SigningProvider, id: signing_core::EnvelopeId) -> signing_core::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use signing_core::{SigningProviderExt, WatchOptions};
    ///
    /// let mut updates = provider.watch(&id, WatchOptions::default());
    /// while let Some(envelope) = updates.try_next().await? {
    ///     println!("{}: {}", envelope.id, envelope.status);
    /// }
    /// # Ok(()) }
    /// ```
    fn watch<'a>(
        &'a self,
        id: &EnvelopeId,
        options: WatchOptions,
    ) -> BoxStream<'a, Result<Envelope>> {
        struct State {
            id: EnvelopeId,
            interval: Duration,
            last: Option<(EnvelopeStatus, Vec<SignerStatus>)>,
            done: bool,
        }
        let interval = match self.capabilities().min_poll_interval {
            Some(floor) => options.interval.max(floor),
            None => options.interval,
        };
        let state = State {
            id: id.clone(),
            interval,
            last: None,
            done: false,
        };
        stream::unfold(state, move |mut state| async move {
            if state.done {
                return None;
            }
            loop {
                if state.last.is_some() {
                    futures_timer::Delay::new(state.interval).await;
                }
                let envelope = match self.get(&state.id).await {
                    Ok(envelope) => envelope,
                    Err(err) => {
                        state.done = true;
                        return Some((Err(err), state));
                    }
                };
                let seen = (
                    envelope.status.clone(),
                    envelope.signers.iter().map(|s| s.status.clone()).collect(),
                );
                let changed = state.last.as_ref() != Some(&seen);
                state.last = Some(seen);
                if changed {
                    state.done = envelope.status.is_terminal();
                    return Some((Ok(envelope), state));
                }
            }
        })
        .boxed()
    }

    /// Every envelope matching `query`, reading page after page as the stream is consumed.
    ///
    /// An error is yielded once and ends the stream.
    fn list_all(&self, query: ListQuery) -> BoxStream<'_, Result<Envelope>> {
        stream::try_unfold(Some(query), move |query| async move {
            let Some(query) = query else {
                return Ok::<_, crate::Error>(None);
            };
            let page = self.list(&query).await?;
            let next = page
                .next_page
                // A provider echoing the same token would loop forever.
                .filter(|token| query.page_token.as_ref() != Some(token))
                .map(|token| ListQuery {
                    page_token: Some(token),
                    ..query
                });
            Ok(Some((page.items, next)))
        })
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }
}

impl<T: SigningProvider + ?Sized> SigningProviderExt for T {}
