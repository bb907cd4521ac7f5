//! What an emulator keeps of an uploaded document's bytes.

use bytes::Bytes;

/// The largest document an emulator keeps whole unless told otherwise (16 MiB): enough for any
/// document a person signs in the sandbox or a test reads back from the control handle. A larger
/// one is still read and checked as it arrives, and kept as its size and digest only.
pub const DEFAULT_KEPT_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// The bytes of one upload as they arrive, kept while they fit in `limit`.
#[derive(Debug)]
pub(crate) struct KeptBytes {
    limit: usize,
    bytes: Vec<u8>,
    dropped: bool,
}

impl KeptBytes {
    /// Keeps at most `limit` bytes; with `0`, none.
    pub(crate) fn up_to(limit: usize) -> Self {
        Self {
            limit,
            bytes: Vec::new(),
            dropped: limit == 0,
        }
    }

    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        if self.dropped {
            return;
        }
        if self.bytes.len().saturating_add(chunk.len()) > self.limit {
            // Over the limit: nothing is kept, so a large upload costs no memory.
            self.bytes = Vec::new();
            self.dropped = true;
            return;
        }
        self.bytes.extend_from_slice(chunk);
    }

    /// The whole document, or empty bytes when it was larger than the limit.
    pub(crate) fn into_bytes(self) -> Bytes {
        if self.dropped {
            Bytes::new()
        } else {
            Bytes::from(self.bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_within_the_limit_are_kept_and_larger_ones_are_not() {
        let mut kept = KeptBytes::up_to(6);
        kept.feed(b"%PDF");
        kept.feed(b"-1");
        assert_eq!(kept.into_bytes(), Bytes::from_static(b"%PDF-1"));
        let mut over = KeptBytes::up_to(6);
        over.feed(b"%PDF");
        over.feed(b"-1.");
        over.feed(b"x");
        assert!(over.into_bytes().is_empty());
        let mut none = KeptBytes::up_to(0);
        none.feed(b"x");
        assert!(none.into_bytes().is_empty());
    }
}
