//! A successful answer: read whole (capped) or streamed, and decoded with the rule that an
//! unreadable answer to a create leaves its outcome unknown.

use std::fmt;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde::de::IgnoredAny;
use signing_core::{Error, Result};

use crate::errors::transport_error;
use crate::repeat::Repeat;

/// What was asked, kept with the answer so reading it can report errors the same way.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    pub(crate) provider: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) repeat: Repeat,
    pub(crate) hint: Option<&'static str>,
}

impl Origin {
    /// An error found while reading the answer, as the caller sees it.
    pub(crate) fn conclude(self, error: Error) -> Error {
        self.repeat
            .conclude(error, self.operation, self.hint)
            .with_provider(self.provider)
    }

    pub(crate) fn too_large(self, cap: usize) -> Error {
        Error::unexpected_response(format!(
            "{}: the answer is larger than {cap} bytes",
            self.operation
        ))
    }
}

/// A successful (2xx) answer, read whole.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, at most the transport's (or the request's) cap.
    pub body: Bytes,
    pub(crate) origin: Origin,
}

impl Answer {
    /// The body decoded from JSON.
    ///
    /// For a request that is not safe to repeat (a create), an answer that cannot be decoded
    /// is [`OutcomeUnknown`](signing_core::ErrorKind::OutcomeUnknown): it may have taken effect.
    pub fn json<'a, T: Deserialize<'a>>(&'a self) -> Result<T> {
        self.read(decode(self.origin.operation, &self.body))
    }

    /// Checks an answer that should carry no content (204): a body, when there is one, must at
    /// least be JSON, so success is never reported on an answer nobody can read.
    pub fn expect_no_content(&self) -> Result<()> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        self.json::<IgnoredAny>().map(drop)
    }

    /// `result`, a reading of this answer, with an error reported as the transport reports
    /// errors: named after the provider, and `OutcomeUnknown` for a create.
    pub fn read<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|error| self.origin.conclude(error))
    }

    /// An [`UnexpectedResponse`](signing_core::ErrorKind::UnexpectedResponse) about this
    /// answer, reported like [`read`](Self::read) reports errors.
    pub fn unexpected(&self, message: impl fmt::Display) -> Error {
        self.origin.conclude(Error::unexpected_response(format!(
            "{}: {message}",
            self.origin.operation
        )))
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Decodes a JSON body, or says what is wrong with it.
pub(crate) fn decode<'a, T: Deserialize<'a>>(operation: &str, body: &'a [u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::unexpected_response(format!(
            "{operation}: the answer is not the expected JSON: {e}"
        ))
    })
}

/// Reads a response body whole, refusing more than `cap` bytes.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
    origin: Origin,
) -> Result<Bytes> {
    if response
        .content_length()
        .is_some_and(|len| len > u64::try_from(cap).unwrap_or(u64::MAX))
    {
        return Err(origin.too_large(cap));
    }
    let read_error = |e| transport_error(origin.operation, "reading the answer", e);
    let Some(first) = response.chunk().await.map_err(read_error)? else {
        return Ok(Bytes::new());
    };
    let Some(mut chunk) = response.chunk().await.map_err(read_error)? else {
        // Answers this small arrive in one piece: it is handed on as it is, not copied.
        return if first.len() > cap {
            Err(origin.too_large(cap))
        } else {
            Ok(first)
        };
    };
    if first.len() > cap {
        return Err(origin.too_large(cap));
    }
    let mut body = BytesMut::from(first);
    loop {
        if body.len().saturating_add(chunk.len()) > cap {
            return Err(origin.too_large(cap));
        }
        body.extend_from_slice(&chunk);
        match response.chunk().await.map_err(read_error)? {
            Some(next) => chunk = next,
            None => return Ok(body.freeze()),
        }
    }
}

/// A successful answer whose body is read as it arrives (a document download).
pub struct StreamedAnswer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    pub(crate) response: reqwest::Response,
    pub(crate) cap: Option<u64>,
    pub(crate) origin: Origin,
}

impl StreamedAnswer {
    /// The body's declared length, when the server gave one.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The body, chunk by chunk. A connection that breaks mid-way ends it with a transport
    /// error; more bytes than the cap (when the request set one) end it with an
    /// [`UnexpectedResponse`](signing_core::ErrorKind::UnexpectedResponse).
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        let Self {
            response,
            cap,
            origin,
            ..
        } = self;
        let mut read: u64 = 0;
        let mut failed = false;
        response.bytes_stream().map(move |chunk| {
            if failed {
                return Err(origin.conclude(Error::unexpected_response("the answer ended")));
            }
            let chunk = chunk.map_err(|e| {
                origin.conclude(transport_error(origin.operation, "reading the answer", e))
            })?;
            read = read.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
            if let Some(cap) = cap
                && read > cap
            {
                failed = true;
                return Err(
                    origin.conclude(origin.too_large(usize::try_from(cap).unwrap_or(usize::MAX)))
                );
            }
            Ok(chunk)
        })
    }

    /// Writes the body to `writer` as it arrives, and returns how many bytes were written; at
    /// most one chunk is held in memory. Capped as [`into_stream`](Self::into_stream) caps it.
    /// A failure part-way leaves what was written so far in `writer`.
    pub async fn write_to<W>(self, writer: &mut W) -> Result<u64>
    where
        W: futures_io::AsyncWrite + Unpin + ?Sized,
    {
        use futures_util::AsyncWriteExt as _;

        let origin = self.origin;
        let write_error = |e: std::io::Error| {
            Error::invalid_request("writer", format!("cannot write the answer: {e}"))
                .with_provider(origin.provider)
                .with_source(e)
        };
        let mut written: u64 = 0;
        let mut stream = std::pin::pin!(self.into_stream());
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            writer.write_all(&chunk).await.map_err(write_error)?;
            written = written.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        }
        writer.flush().await.map_err(write_error)?;
        Ok(written)
    }

    /// The whole body, capped as [`into_stream`](Self::into_stream) caps it.
    pub async fn bytes(self) -> Result<Bytes> {
        let mut body = BytesMut::new();
        let mut stream = std::pin::pin!(self.into_stream());
        while let Some(chunk) = stream.next().await {
            body.extend_from_slice(&chunk?);
        }
        Ok(body.freeze())
    }
}

impl fmt::Debug for StreamedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamedAnswer")
            .field("status", &self.status)
            .field("content_length", &self.content_length())
            .finish_non_exhaustive()
    }
}
