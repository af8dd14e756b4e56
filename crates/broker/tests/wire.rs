//! The broker over real TCP, spoken to with kafka-protocol's client-side encoders: ApiVersions (and
//! KIP-511's fallback), Metadata with auto-creation, Produce acks=all, Fetch and ListOffsets of what was
//! written; and bad input — negative, oversized, garbage and truncated frames, unknown APIs — closes
//! only the offending connection while the broker keeps serving.

use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, BrokerId, FetchRequest, FetchResponse,
    ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, ProduceRequest,
    ProduceResponse, RequestHeader, ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, StrBytes};
use samsa_broker::config::ServerConfig;
use samsa_core::record_batch::{Compression, NewRecord, RecordBatch};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts a one-broker cluster on a free port (2 partitions per new topic); returns its address.
async fn start() -> (String, tokio::sync::oneshot::Sender<()>) {
    start_with(&[]).await
}

/// [`start`] with extra `name=value` configs.
async fn start_with(configs: &[&str]) -> (String, tokio::sync::oneshot::Sender<()>) {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let mut config = ServerConfig { brokers: 1, first_port: port, ..ServerConfig::default() };
    config.apply("test", "num.partitions=2").unwrap();
    config.apply("test", "socket.request.max.bytes=1048576").unwrap();
    for assignment in configs {
        config.apply("test", assignment).unwrap();
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        if let Err(e) = samsa_broker::server::serve(config, shutdown).await {
            panic!("serve: {e}");
        }
    });
    let address = format!("127.0.0.1:{port}");
    for _ in 0..100 {
        if TcpStream::connect(&address).await.is_ok() {
            return (address, stop);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the broker never listened on {address}");
}

fn frame<R: Encodable + HeaderVersion>(
    api_key: ApiKey,
    version: i16,
    correlation_id: i32,
    body: &R,
) -> Bytes {
    let mut out = BytesMut::new();
    out.put_i32(0);
    let mut header = RequestHeader::default();
    header.request_api_key = api_key as i16;
    header.request_api_version = version;
    header.correlation_id = correlation_id;
    header.client_id = Some(StrBytes::from_static_str("wire-test"));
    header.encode(&mut out, R::header_version(version)).unwrap();
    body.encode(&mut out, version).unwrap();
    let size = (out.len() - 4) as i32;
    out[..4].copy_from_slice(&size.to_be_bytes());
    out.freeze()
}

async fn read_response(stream: &mut TcpStream) -> Option<Bytes> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).await.ok()?;
    let mut body = vec![0u8; i32::from_be_bytes(size) as usize];
    stream.read_exact(&mut body).await.ok()?;
    Some(Bytes::from(body))
}

async fn call<Q, R>(stream: &mut TcpStream, api_key: ApiKey, version: i16, request: &Q) -> R
where
    Q: Encodable + HeaderVersion,
    R: Decodable + HeaderVersion,
{
    stream.write_all(&frame(api_key, version, 7, request)).await.unwrap();
    let mut bytes = read_response(stream).await.expect("a response");
    let header = ResponseHeader::decode(&mut bytes, R::header_version(version)).unwrap();
    assert_eq!(header.correlation_id, 7);
    R::decode(&mut bytes, version).unwrap()
}

/// Whether the broker closed `stream` (within a second).
async fn closed(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(tokio::time::timeout(Duration::from_secs(2), stream.read(&mut byte)).await, Ok(Ok(0) | Err(_)))
}

async fn api_versions_still_answer(address: &str) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let response: ApiVersionsResponse =
        call(&mut stream, ApiKey::ApiVersions, 3, &ApiVersionsRequest::default()).await;
    assert_eq!(response.error_code, 0);
    assert!(response.api_keys.iter().any(|k| k.api_key == ApiKey::Produce as i16 && k.max_version >= 9));
}

#[tokio::test]
async fn bad_frames_close_only_their_connection() {
    let (address, _stop) = start().await;
    let bad: Vec<Vec<u8>> = vec![
        (-1i32).to_be_bytes().to_vec(),                       // negative size
        (200 * 1024 * 1024i32).to_be_bytes().to_vec(),        // over socket.request.max.bytes
        [&5i32.to_be_bytes()[..], &[9, 9, 9, 9, 9]].concat(), // garbage: unknown API key
        [&3i32.to_be_bytes()[..], &[0, 3, 0]].concat(),       // shorter than a header
        [&12i32.to_be_bytes()[..], &[0, 3, 0, 12, 0, 0, 0, 1, 0, 9, b'x', 0]].concat(), // truncated body
        [&8i32.to_be_bytes()[..], &[0, 11, 0, 42, 0, 0, 0, 1]].concat(), // JoinGroup v42: unsupported
    ];
    for bytes in bad {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream.write_all(&bytes).await.unwrap();
        assert!(closed(&mut stream).await, "{bytes:?} should close the connection");
    }
    api_versions_still_answer(&address).await;
    // KIP-511: an ApiVersions version from the future gets version 0 with UNSUPPORTED_VERSION.
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(&frame(ApiKey::ApiVersions, 3, 9, &ApiVersionsRequest::default()).slice(..))
        .await
        .unwrap();
    let _ = read_response(&mut stream).await.unwrap();
    let mut future = BytesMut::from(&frame(ApiKey::ApiVersions, 3, 9, &ApiVersionsRequest::default())[..]);
    future[6..8].copy_from_slice(&99i16.to_be_bytes());
    stream.write_all(&future).await.unwrap();
    let mut bytes = read_response(&mut stream).await.unwrap();
    assert_eq!(bytes.get_i32(), 9);
    let response = ApiVersionsResponse::decode(&mut bytes, 0).unwrap();
    assert_eq!(response.error_code, 35);
    assert!(!response.api_keys.is_empty());
}

#[tokio::test]
async fn produce_then_fetch_and_list_offsets_what_was_written() {
    let (address, _stop) = start().await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    // Metadata auto-creates the topic; its leader appears once the broker hears of it.
    let mut request = MetadataRequest::default();
    let mut topic = MetadataRequestTopic::default();
    topic.name = Some(TopicName(StrBytes::from_static_str("wire")));
    request.topics = Some(vec![topic]);
    request.allow_auto_topic_creation = true;
    let mut leader = -1;
    for _ in 0..100 {
        let response: MetadataResponse = call(&mut stream, ApiKey::Metadata, 12, &request).await;
        assert_eq!(response.brokers.len(), 1);
        let topic = &response.topics[0];
        if topic.error_code == 0 && topic.partitions.len() == 2 && topic.partitions[0].leader_id.0 >= 0 {
            leader = topic.partitions[0].leader_id.0;
            break;
        }
        assert!(topic.error_code == 5 || topic.error_code == 0, "error {}", topic.error_code);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(leader, 1);
    let records: Vec<NewRecord> = (0..5u8)
        .map(|i| NewRecord { key: Some(vec![b'k', i]), value: Some(vec![b'v', i]), ..NewRecord::default() })
        .collect();
    let batch = RecordBatch::from_new_records(records, Compression::None).unwrap().encode().unwrap();
    let mut produce = ProduceRequest::default();
    produce.acks = -1;
    produce.timeout_ms = 5_000;
    let mut partition = PartitionProduceData::default();
    partition.index = 0;
    partition.records = Some(Bytes::from(batch.clone()));
    let mut topic = TopicProduceData::default();
    topic.name = TopicName(StrBytes::from_static_str("wire"));
    topic.partition_data = vec![partition];
    produce.topic_data = vec![topic];
    let response: ProduceResponse = call(&mut stream, ApiKey::Produce, 9, &produce).await;
    let p = &response.responses[0].partition_responses[0];
    assert_eq!((p.error_code, p.base_offset), (0, 0));
    let response: ProduceResponse = call(&mut stream, ApiKey::Produce, 9, &produce).await;
    assert_eq!(response.responses[0].partition_responses[0].base_offset, 5);

    let mut fetch = FetchRequest::default();
    fetch.replica_id = BrokerId(-1);
    fetch.max_wait_ms = 100;
    fetch.min_bytes = 1;
    fetch.max_bytes = 1 << 20;
    let mut partition = FetchPartition::default();
    partition.partition = 0;
    partition.fetch_offset = 0;
    partition.partition_max_bytes = 1 << 20;
    partition.current_leader_epoch = -1;
    let mut topic = FetchTopic::default();
    topic.topic = TopicName(StrBytes::from_static_str("wire"));
    topic.partitions = vec![partition];
    fetch.topics = vec![topic];
    let response: FetchResponse = call(&mut stream, ApiKey::Fetch, 12, &fetch).await;
    let p = &response.responses[0].partitions[0];
    assert_eq!((p.error_code, p.high_watermark), (0, 10));
    let mut records = p.records.clone().expect("records");
    let (first, used) = RecordBatch::decode(&records).unwrap();
    assert_eq!((first.base_offset, first.records.len()), (0, 5));
    records.advance(used);
    assert_eq!(RecordBatch::decode(&records).unwrap().0.base_offset, 5);

    // An empty partition parks the fetch for max_wait_ms, then answers with nothing.
    let mut empty = fetch.clone();
    empty.topics[0].partitions[0].partition = 1;
    let started = std::time::Instant::now();
    let response: FetchResponse = call(&mut stream, ApiKey::Fetch, 12, &empty).await;
    assert!(started.elapsed() >= Duration::from_millis(90), "{:?}", started.elapsed());
    assert_eq!(response.responses[0].partitions[0].records.as_ref().map_or(0, |r| r.len()), 0);

    let mut list = ListOffsetsRequest::default();
    list.replica_id = BrokerId(-1);
    let mut topic = ListOffsetsTopic::default();
    topic.name = TopicName(StrBytes::from_static_str("wire"));
    topic.partitions = [-2i64, -1]
        .iter()
        .map(|&timestamp| {
            let mut p = ListOffsetsPartition::default();
            p.partition_index = 0;
            p.timestamp = timestamp;
            p.current_leader_epoch = -1;
            p
        })
        .collect();
    list.topics = vec![topic];
    let response: ListOffsetsResponse = call(&mut stream, ApiKey::ListOffsets, 7, &list).await;
    let offsets: Vec<i64> = response.topics[0].partitions.iter().map(|p| p.offset).collect();
    assert_eq!(offsets, [0, 10]);
    drop(stream);
    api_versions_still_answer(&address).await;
}

/// Every version the broker advertises for the data-path APIs is answered and decodes (a response
/// field set at a version that lacks it makes kafka-protocol refuse to encode the whole response).
#[tokio::test]
async fn every_advertised_version_of_the_data_path_is_answered() {
    let (address, _stop) = start().await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let mut metadata = MetadataRequest::default();
    let mut topic = MetadataRequestTopic::default();
    topic.name = Some(TopicName(StrBytes::from_static_str("versions")));
    metadata.topics = Some(vec![topic]);
    metadata.allow_auto_topic_creation = true;
    for _ in 0..100 {
        let response: MetadataResponse = call(&mut stream, ApiKey::Metadata, 12, &metadata).await;
        if response.topics[0].partitions.iter().all(|p| p.leader_id.0 >= 0)
            && !response.topics[0].partitions.is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for version in 1..=12 {
        let mut request = metadata.clone();
        request.allow_auto_topic_creation = true; // the only value versions before 4 can carry
        let response: MetadataResponse = call(&mut stream, ApiKey::Metadata, version, &request).await;
        assert_eq!(response.topics[0].partitions.len(), 2, "Metadata v{version}");
    }
    let batch = RecordBatch::from_new_records(
        vec![NewRecord { key: Some(b"k".to_vec()), value: Some(b"v".to_vec()), ..NewRecord::default() }],
        Compression::None,
    )
    .unwrap()
    .encode()
    .unwrap();
    for version in 3..=9 {
        let mut produce = ProduceRequest::default();
        produce.acks = -1;
        produce.timeout_ms = 5_000;
        let mut partition = PartitionProduceData::default();
        partition.records = Some(Bytes::from(batch.clone()));
        let mut topic = TopicProduceData::default();
        topic.name = TopicName(StrBytes::from_static_str("versions"));
        topic.partition_data = vec![partition];
        produce.topic_data = vec![topic];
        let response: ProduceResponse = call(&mut stream, ApiKey::Produce, version, &produce).await;
        let p = &response.responses[0].partition_responses[0];
        assert_eq!((p.error_code, p.base_offset), (0, i64::from(version - 3)), "Produce v{version}");
    }
    for version in 4..=12 {
        let mut fetch = FetchRequest::default();
        fetch.replica_id = BrokerId(-1);
        fetch.max_bytes = 1 << 20;
        fetch.isolation_level = 1;
        let mut partition = FetchPartition::default();
        partition.partition_max_bytes = 1 << 20;
        partition.current_leader_epoch = -1;
        partition.log_start_offset = -1;
        let mut topic = FetchTopic::default();
        topic.topic = TopicName(StrBytes::from_static_str("versions"));
        topic.partitions = vec![partition];
        fetch.topics = vec![topic];
        let response: FetchResponse = call(&mut stream, ApiKey::Fetch, version, &fetch).await;
        let p = &response.responses[0].partitions[0];
        assert_eq!((p.error_code, p.high_watermark), (0, 7), "Fetch v{version}");
    }
    for version in 1..=7 {
        let mut list = ListOffsetsRequest::default();
        list.replica_id = BrokerId(-1);
        let mut topic = ListOffsetsTopic::default();
        topic.name = TopicName(StrBytes::from_static_str("versions"));
        let mut p = ListOffsetsPartition::default();
        p.timestamp = -1;
        p.current_leader_epoch = -1;
        topic.partitions = vec![p];
        list.topics = vec![topic];
        let response: ListOffsetsResponse = call(&mut stream, ApiKey::ListOffsets, version, &list).await;
        assert_eq!(response.topics[0].partitions[0].offset, 7, "ListOffsets v{version}");
    }
}

#[tokio::test]
async fn max_connections_idle_connections_and_a_stalled_client_hold_no_one_else() {
    let (address, _stop) = start_with(&["max.connections=2", "connections.max.idle.ms=400"]).await;
    // A client that sends half a frame and stalls: its task waits, nobody else does.
    let mut stalled = TcpStream::connect(&address).await.unwrap();
    stalled.write_all(&100i32.to_be_bytes()).await.unwrap();
    stalled.write_all(&[0, 18, 0, 3]).await.unwrap();
    let mut other = TcpStream::connect(&address).await.unwrap();
    let response: ApiVersionsResponse =
        call(&mut other, ApiKey::ApiVersions, 3, &ApiVersionsRequest::default()).await;
    assert_eq!(response.error_code, 0, "served beside a stalled client");
    // Two connections are open: a third is closed at once (max.connections).
    let mut third = TcpStream::connect(&address).await.unwrap();
    assert!(closed(&mut third).await, "past max.connections");
    // Both go idle; after connections.max.idle.ms the broker closes them and frees the slots.
    assert!(closed(&mut stalled).await, "the stalled connection is closed when idle");
    assert!(closed(&mut other).await, "the idle connection is closed");
    tokio::time::sleep(Duration::from_millis(100)).await;
    api_versions_still_answer(&address).await;
}
