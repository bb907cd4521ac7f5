//! Walking a paged listing, bounded whatever the server answers.
//!
//! A server that ignores the offset, repeats a page token, or never says the listing ended must
//! not make a client loop forever while items pile up. The walker stops with an
//! [`UnexpectedResponse`](signing_core::ErrorKind::UnexpectedResponse) error, never a hang, when:
//! - more than `max_pages` pages were read;
//! - the server hands out a cursor it handed out before (a page token loop);
//! - a page holds exactly the items of the page before it (an ignored offset).

use std::collections::HashSet;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};

use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};
use signing_core::{Error, Result};

/// How many pages a walk reads at most unless told otherwise.
pub const DEFAULT_MAX_PAGES: usize = 1_000;

/// One page: its items and the cursor of the next page, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items.
    pub items: Vec<T>,
    /// Where the next page starts, or `None` on the last page.
    pub next: Option<C>,
}

/// The guard of one walk.
#[derive(Debug)]
pub struct Walk<C> {
    max_pages: usize,
    pages: usize,
    cursors: HashSet<C>,
    previous: Option<u64>,
}

impl<C: Eq + Hash + Clone> Walk<C> {
    /// A walk of at most `max_pages` pages.
    pub fn new(max_pages: usize) -> Self {
        Self {
            max_pages,
            pages: 0,
            cursors: HashSet::new(),
            previous: None,
        }
    }

    /// Checks one more page, read at `cursor`, whose items have the keys `keys`, and returns
    /// the cursor to read next (`None`: the walk is over).
    pub fn step<'k>(
        &mut self,
        cursor: &C,
        keys: impl IntoIterator<Item = &'k str>,
        next: Option<C>,
    ) -> Result<Option<C>> {
        self.pages += 1;
        if self.pages > self.max_pages {
            return Err(Error::unexpected_response(format!(
                "the listing has more than {} pages; stopped reading",
                self.max_pages
            )));
        }
        self.cursors.insert(cursor.clone());
        let mut hasher = DefaultHasher::new();
        let mut count = 0_usize;
        for key in keys {
            key.hash(&mut hasher);
            count += 1;
        }
        if count > 0 {
            let fingerprint = hasher.finish();
            if self.previous == Some(fingerprint) {
                return Err(Error::unexpected_response(
                    "the server sent the same page twice (it may ignore the page offset)",
                ));
            }
            self.previous = Some(fingerprint);
        }
        match next {
            Some(next) if self.cursors.contains(&next) => Err(Error::unexpected_response(
                "the server pointed back to a page already read",
            )),
            next => Ok(next),
        }
    }
}

/// Every item of a listing, read page after page as the stream is consumed. `fetch` reads the
/// page at a cursor; `key` names an item (its id) for the repeated-page guard.
pub fn walk<'a, T, C, F, Fut>(
    first: C,
    max_pages: usize,
    key: fn(&T) -> &str,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Send + 'a
where
    T: Send + 'a,
    C: Eq + Hash + Clone + Send + Sync + 'a,
    F: Fn(C) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T, C>>> + Send + 'a,
{
    let state = (Some(first), Walk::new(max_pages), fetch);
    stream::try_unfold(state, move |(cursor, mut guard, fetch)| async move {
        let Some(cursor) = cursor else {
            return Ok::<_, Error>(None);
        };
        let page = fetch(cursor.clone()).await?;
        let next = guard.step(&cursor, page.items.iter().map(key), page.next)?;
        Ok(Some((page.items, (next, guard, fetch))))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

/// Every item of a listing in one `Vec`, read in a plain loop, with the same guard as [`walk`].
pub async fn collect<T, C, F, Fut>(
    first: C,
    max_pages: usize,
    key: fn(&T) -> &str,
    fetch: F,
) -> Result<Vec<T>>
where
    C: Eq + Hash + Clone,
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>>>,
{
    let mut guard = Walk::new(max_pages);
    let mut cursor = first;
    let mut all = Vec::new();
    loop {
        let page = fetch(cursor.clone()).await?;
        let next = guard.step(&cursor, page.items.iter().map(key), page.next)?;
        all.extend(page.items);
        match next {
            Some(next) => cursor = next,
            None => return Ok(all),
        }
    }
}

/// The offset of the page after one that started at `offset`, asked for `limit` items and got
/// `read`, or `None` when that was the last: the total is reached, or (without a total) the
/// page was short or empty. Checked: an offset past `u64::MAX` ends the walk.
///
/// ```
/// use signing_http::paging::next_offset;
///
/// assert_eq!(next_offset(0, 100, 100, None), Some(100));
/// assert_eq!(next_offset(100, 40, 100, None), None);
/// assert_eq!(next_offset(0, 100, 100, Some(100)), None);
/// assert_eq!(next_offset(0, 50, 100, Some(120)), Some(50));
/// assert_eq!(next_offset(u64::MAX, 1, 1, None), None);
/// ```
pub fn next_offset(offset: u64, read: usize, limit: u64, total: Option<u64>) -> Option<u64> {
    let read = u64::try_from(read).ok()?;
    let next = offset.checked_add(read)?;
    let more = read > 0 && total.map_or(read >= limit, |total| next < total);
    more.then_some(next)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures_util::StreamExt;

    use super::*;

    fn id(item: &String) -> &str {
        item
    }

    #[tokio::test]
    async fn an_ignored_offset_is_an_error_not_a_hang() {
        let asked = Mutex::new(0);
        let result = collect(0_u64, DEFAULT_MAX_PAGES, id, |offset| {
            *asked.lock().unwrap() += 1;
            async move {
                // Always the first page, and no total: the offset is ignored.
                Ok(Page {
                    items: vec!["a".to_owned(), "b".to_owned()],
                    next: next_offset(offset, 2, 2, None),
                })
            }
        })
        .await;
        assert!(result.unwrap_err().to_string().contains("same page twice"));
        assert_eq!(*asked.lock().unwrap(), 2);
    }

    #[tokio::test]
    async fn token_loops_and_endless_listings_stop() {
        let looped = collect("p1".to_owned(), 10, id, |token| async move {
            let next = if token == "p1" { "p2" } else { "p1" };
            Ok(Page {
                items: vec![format!("item-{token}")],
                next: Some(next.to_owned()),
            })
        })
        .await;
        assert!(looped.unwrap_err().to_string().contains("already read"));

        let endless = walk(0_u64, 5, id, |offset| async move {
            Ok(Page {
                items: vec![format!("item-{offset}")],
                next: Some(offset + 1),
            })
        })
        .collect::<Vec<_>>()
        .await;
        assert_eq!(endless.len(), 6, "five pages, then the error");
        assert!(
            endless[5]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("more than 5 pages")
        );
    }

    #[tokio::test]
    async fn well_behaved_listings_are_read_whole() {
        let items: Vec<String> = (0..250).map(|i| i.to_string()).collect();
        let fetch = |offset: u64| {
            let items = &items;
            async move {
                let start = usize::try_from(offset).unwrap();
                let page: Vec<String> = items.iter().skip(start).take(100).cloned().collect();
                let next = next_offset(offset, page.len(), 100, Some(250));
                Ok(Page { items: page, next })
            }
        };
        assert_eq!(collect(0, 10, id, fetch).await.unwrap(), items);
        let streamed: Vec<String> = walk(0, 10, id, fetch).try_collect().await.unwrap();
        assert_eq!(streamed, items);
    }
}
