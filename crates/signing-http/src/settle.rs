//! Settling a change whose first attempt may have gone through unseen.
//!
//! A cancel or delete whose answer was lost is repeated; the repeat may then be refused
//! because the first attempt did the job (the envelope is already cancelled or gone). Such a
//! refusal is checked by reading the state back, never taken as a failure blindly.

use std::future::Future;

use signing_core::{Error, Result};

/// The outcome of a request that may have been sent more than once.
#[derive(Debug)]
pub struct Attempted<T> {
    /// The last attempt's result.
    pub result: Result<T>,
    /// Whether an earlier attempt failed in a way that may have reached the server (a timeout,
    /// a broken connection): the last attempt may then be answering an already applied change.
    pub after_ambiguous_failure: bool,
}

/// The result of an idempotent change: when it failed with a refusal that `refusal_means_done`
/// accepts, after an attempt that may have been carried out, `confirm` reads the state back and
/// a `true` makes it a success.
///
/// ```
/// # async fn example() {
/// use signing_core::Error;
/// use signing_http::{Attempted, settle};
///
/// let attempted = Attempted {
///     result: Err(Error::invalid_state("already cancelled")),
///     after_ambiguous_failure: true,
/// };
/// let cancelled = async { true }; // the read-back says: cancelled
/// let result = settle(attempted, |e| matches!(e.kind(), signing_core::ErrorKind::InvalidState { .. }), || cancelled).await;
/// assert!(result.is_ok());
/// # }
/// ```
pub async fn settle<F, Fut>(
    attempted: Attempted<()>,
    refusal_means_done: impl Fn(&Error) -> bool,
    confirm: F,
) -> Result<()>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = bool>,
{
    match attempted.result {
        Err(error) if attempted.after_ambiguous_failure && refusal_means_done(&error) => {
            if confirm().await { Ok(()) } else { Err(error) }
        }
        result => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_refusals_after_ambiguity_are_read_back() {
        let refused = || Err(Error::not_found("gone"));
        let run = |result: Result<()>, ambiguous: bool, confirmed: bool| async move {
            settle(
                Attempted {
                    result,
                    after_ambiguous_failure: ambiguous,
                },
                Error::is_not_found,
                || async move { confirmed },
            )
            .await
        };
        assert!(run(refused(), true, true).await.is_ok());
        assert!(run(refused(), true, false).await.is_err());
        assert!(run(refused(), false, true).await.is_err());
        assert!(
            run(Err(Error::invalid_state("x")), true, true)
                .await
                .is_err()
        );
        assert!(run(Ok(()), false, false).await.is_ok());
    }
}
