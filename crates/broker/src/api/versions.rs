//! ApiVersions: the APIs and versions this broker speaks, intersected with what kafka-protocol's
//! schemas cover. A request for an API or version outside the table is refused; an ApiVersions request
//! of a version this broker does not know gets a version-0 response with `UNSUPPORTED_VERSION` and the
//! table, so the client can pick (KIP-511).

use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiKey, ApiVersionsResponse};

/// `(API, lowest version, highest version)` this broker answers. Produce stops at v9 and Fetch at v12:
/// later versions name topics by id (KIP-516), which samsa-core does not model.
pub const SUPPORTED: &[(ApiKey, i16, i16)] = &[
    (ApiKey::Produce, 3, 9),
    (ApiKey::Fetch, 4, 12),
    (ApiKey::ListOffsets, 1, 7),
    (ApiKey::Metadata, 1, 12),
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::InitProducerId, 0, 4),
    (ApiKey::FindCoordinator, 0, 4),
    (ApiKey::JoinGroup, 0, 9),
    (ApiKey::SyncGroup, 0, 5),
    (ApiKey::Heartbeat, 0, 4),
    (ApiKey::LeaveGroup, 0, 5),
    (ApiKey::OffsetCommit, 2, 8),
    (ApiKey::OffsetFetch, 1, 7),
    (ApiKey::AddPartitionsToTxn, 0, 3),
    (ApiKey::AddOffsetsToTxn, 0, 3),
    (ApiKey::EndTxn, 0, 3),
    (ApiKey::TxnOffsetCommit, 0, 3),
    (ApiKey::CreateTopics, 2, 7),
    (ApiKey::CreatePartitions, 0, 3),
    (ApiKey::DeleteTopics, 1, 6),
    (ApiKey::DescribeConfigs, 1, 4),
    (ApiKey::DescribeCluster, 0, 1),
    (ApiKey::ListGroups, 0, 5),
    (ApiKey::DescribeGroups, 0, 5),
    (ApiKey::OffsetForLeaderEpoch, 2, 4),
];

/// Whether `version` of `api_key` is answered.
pub fn supports(api_key: ApiKey, version: i16) -> bool {
    SUPPORTED.iter().any(|&(key, min, max)| key == api_key && (min..=max).contains(&version))
}

/// The ApiVersions response: `error_code` 0, or `UNSUPPORTED_VERSION` (35) for KIP-511's fallback.
pub fn response(error_code: i16) -> ApiVersionsResponse {
    let mut response = ApiVersionsResponse::default();
    response.error_code = error_code;
    response.api_keys = SUPPORTED
        .iter()
        .map(|&(key, min, max)| {
            let mut version = ApiVersion::default();
            version.api_key = key as i16;
            version.min_version = min;
            version.max_version = max;
            version
        })
        .collect();
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_stays_inside_the_schemas_kafka_protocol_has() {
        for &(key, min, max) in SUPPORTED {
            let known = key.valid_versions();
            assert!(known.min <= min && max <= known.max, "{key:?} {min}..={max} outside {known:?}");
        }
        assert!(
            supports(ApiKey::Fetch, 11) && !supports(ApiKey::Fetch, 13) && !supports(ApiKey::JoinGroup, 10)
        );
    }
}
