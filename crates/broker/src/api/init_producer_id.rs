//! InitProducerId (KIP-98, KIP-360): a producer id and epoch for an idempotent producer, from
//! samsa-core's broker (which draws them from the controller's blocks, KIP-730). Transactional ids
//! need the transaction coordinator's APIs (FindCoordinator and the rest), which are not served yet:
//! a request with a `transactional.id` is answered `NOT_COORDINATOR` by samsa-core unless this broker
//! coordinates it.

use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId};
use samsa_core::replication::messages::{InitProducerIdRequest as CoreInit, Message};
use samsa_core::ErrorCode;

use super::{Connection, ANSWER_GRACE_MS};

/// Answers an InitProducerId request.
pub async fn handle(conn: &mut Connection, request: InitProducerIdRequest) -> InitProducerIdResponse {
    let correlation_id = conn.correlation();
    let core = CoreInit {
        correlation_id,
        transactional_id: request.transactional_id.map(|t| t.0.to_string()),
        transaction_timeout_ms: u64::try_from(request.transaction_timeout_ms).unwrap_or(0),
        producer_id: request.producer_id.0,
        producer_epoch: request.producer_epoch,
    };
    let mut answers =
        conn.exchange(vec![(correlation_id, Message::InitProducerId(core))], ANSWER_GRACE_MS).await;
    let mut response = InitProducerIdResponse::default();
    response.producer_id = ProducerId(-1);
    response.producer_epoch = -1;
    match answers.remove(&correlation_id) {
        Some(Message::InitProducerIdResponse(answer)) => {
            response.error_code = answer.error.code();
            response.producer_id = ProducerId(answer.producer_id);
            response.producer_epoch = answer.producer_epoch;
        }
        _ => response.error_code = ErrorCode::RequestTimedOut.code(),
    }
    response
}
