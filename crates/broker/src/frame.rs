//! Kafka's framing: a 4-byte big-endian size, then the request (header and body). A size that is
//! negative or above `socket.request.max.bytes` closes the connection before anything is allocated for
//! it; a frame is decoded with kafka-protocol's schemas, and anything that does not decode is a
//! [`FrameError`] (the connection is closed and the reason logged), never a panic.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, RequestKind, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::{Decodable, Encodable};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Why a connection is closed.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The size prefix is negative.
    NegativeSize(i32),
    /// The size prefix is above `socket.request.max.bytes`.
    TooLarge { size_bytes: usize, max_bytes: usize },
    /// The frame is shorter than a request header's fixed part.
    Truncated,
    /// An API key Kafka does not define.
    UnknownApiKey(i16),
    /// A header or body that does not decode at that version.
    Malformed { api_key: i16, api_version: i16, reason: String },
    /// The socket failed.
    Io(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::NegativeSize(size) => write!(f, "negative frame size {size}"),
            FrameError::TooLarge { size_bytes, max_bytes } => {
                write!(f, "frame of {size_bytes} bytes is larger than socket.request.max.bytes ({max_bytes})")
            }
            FrameError::Truncated => f.write_str("frame shorter than a request header"),
            FrameError::UnknownApiKey(key) => write!(f, "unknown API key {key}"),
            FrameError::Malformed { api_key, api_version, reason } => {
                write!(f, "request (api key {api_key}, version {api_version}) does not decode: {reason}")
            }
            FrameError::Io(reason) => write!(f, "socket error: {reason}"),
        }
    }
}

/// Reads one frame's bytes; `Ok(None)` at a clean end of stream.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_bytes: usize,
) -> Result<Option<Bytes>, FrameError> {
    let mut size = [0u8; 4];
    match reader.read_exact(&mut size).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(FrameError::Io(e.to_string())),
    }
    let size = i32::from_be_bytes(size);
    let size_bytes = usize::try_from(size).map_err(|_| FrameError::NegativeSize(size))?;
    if size_bytes > max_bytes {
        return Err(FrameError::TooLarge { size_bytes, max_bytes });
    }
    let mut frame = vec![0u8; size_bytes];
    reader.read_exact(&mut frame).await.map_err(|e| FrameError::Io(e.to_string()))?;
    Ok(Some(Bytes::from(frame)))
}

/// The fixed start of every request header (all versions): key, version, correlation id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestStart {
    /// The API key as sent.
    pub api_key: i16,
    /// The API version as sent.
    pub api_version: i16,
    /// The correlation id the response must carry.
    pub correlation_id: i32,
}

/// Reads the fixed start of a request without consuming it.
pub fn peek_start(frame: &Bytes) -> Result<RequestStart, FrameError> {
    let mut view = frame.clone();
    if view.remaining() < 8 {
        return Err(FrameError::Truncated);
    }
    Ok(RequestStart { api_key: view.get_i16(), api_version: view.get_i16(), correlation_id: view.get_i32() })
}

/// A decoded request.
#[derive(Debug)]
pub struct Request {
    /// Its header.
    pub header: RequestHeader,
    /// Its API.
    pub api_key: ApiKey,
    /// Its body.
    pub body: RequestKind,
}

/// Decodes a whole frame at the version it names.
pub fn decode_request(frame: Bytes) -> Result<Request, FrameError> {
    let start = peek_start(&frame)?;
    let api_key = ApiKey::try_from(start.api_key).map_err(|_| FrameError::UnknownApiKey(start.api_key))?;
    let malformed = |reason: String| FrameError::Malformed {
        api_key: start.api_key,
        api_version: start.api_version,
        reason,
    };
    let mut bytes = frame;
    let header_version = api_key.request_header_version(start.api_version);
    let header = RequestHeader::decode(&mut bytes, header_version).map_err(|e| malformed(e.to_string()))?;
    let body =
        RequestKind::decode(api_key, &mut bytes, start.api_version).map_err(|e| malformed(e.to_string()))?;
    Ok(Request { header, api_key, body })
}

/// Encodes a response frame (size, header, body) for `api_key` at `api_version`.
pub fn encode_response(
    api_key: ApiKey,
    api_version: i16,
    correlation_id: i32,
    body: &ResponseKind,
) -> Result<Bytes, String> {
    let mut out = BytesMut::new();
    out.put_i32(0); // the size, filled in below
    let mut header = ResponseHeader::default();
    header.correlation_id = correlation_id;
    header.encode(&mut out, api_key.response_header_version(api_version)).map_err(|e| e.to_string())?;
    body.encode(&mut out, api_version).map_err(|e| e.to_string())?;
    let size = i32::try_from(out.len() - 4).map_err(|_| "response larger than 2 GiB".to_owned())?;
    out[..4].copy_from_slice(&size.to_be_bytes());
    Ok(out.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sizes_are_checked_before_anything_is_read() {
        let mut negative: &[u8] = &(-5i32).to_be_bytes();
        assert_eq!(read_frame(&mut negative, 100).await, Err(FrameError::NegativeSize(-5)));
        let mut large: &[u8] = &1_000i32.to_be_bytes();
        assert_eq!(
            read_frame(&mut large, 100).await,
            Err(FrameError::TooLarge { size_bytes: 1_000, max_bytes: 100 })
        );
        let mut empty: &[u8] = &[];
        assert_eq!(read_frame(&mut empty, 100).await, Ok(None));
        let mut short: &[u8] = &[0, 0, 0, 9, 1, 2];
        assert!(matches!(read_frame(&mut short, 100).await, Err(FrameError::Io(_))));
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        assert_eq!(decode_request(Bytes::from_static(&[0, 1])).unwrap_err(), FrameError::Truncated);
        let unknown = Bytes::from_static(&[0x7f, 0x00, 0, 1, 0, 0, 0, 7]);
        assert_eq!(decode_request(unknown).unwrap_err(), FrameError::UnknownApiKey(0x7f00));
        // A Metadata v12 header whose body is cut short.
        let cut = Bytes::from_static(&[0, 3, 0, 12, 0, 0, 0, 7, 0, 1, b'c', 0, 2]);
        assert!(matches!(decode_request(cut), Err(FrameError::Malformed { api_key: 3, .. })));
    }
}
