//! A consume-transform-produce application as one simulator node: a consumer and a producer sharing
//! one client id (their requests numbered in separate ranges, so answers find their way back), driven
//! by [`PipelineApp`].

use samsa_core::client::{Consumer, ConsumerConfig, Producer, ProducerConfig};
use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::replication::messages::Message;

use crate::pipeline_app::PipelineApp;
use crate::sim_node::{Dormant, SimNode};

/// The producer's correlation ids start here; the consumer's start at 0 and never get near.
const PRODUCER_CORRELATION_BASE: u64 = 1 << 40;
/// Output record ids of client `n` start at `OUTPUT_ID_BASE + n << 32`: far above the workload's ids, so
/// the two never meet.
const OUTPUT_ID_BASE: u64 = 1 << 48;

/// A pipeline client (see the module docs), with a copy of it as first built: a crashed application
/// keeps nothing and restarts as that copy — except the numbering of its output records, which is the
/// simulator's bookkeeping, so no two attempts share an id.
#[derive(Clone)]
pub struct SimPipeline {
    pristine: (Consumer, Producer, PipelineApp),
    consumer: Consumer,
    producer: Producer,
    app: PipelineApp,
    next_output_id: u64,
    app_effects: Vec<Effect>,
}

impl SimPipeline {
    /// A pipeline client reading `input` and writing with `app`.
    pub fn new(
        client_id: u32,
        consumer_config: ConsumerConfig,
        producer_config: ProducerConfig,
        bootstrap: Vec<BrokerId>,
        input: String,
        app: PipelineApp,
    ) -> Result<Self, String> {
        let mut consumer =
            Consumer::new(client_id, consumer_config, bootstrap.clone()).map_err(|e| e.to_string())?;
        consumer.subscribe(vec![input]).map_err(|e| e.to_string())?;
        let producer = Producer::new(client_id, producer_config, bootstrap)
            .map_err(|e| e.to_string())?
            .with_correlation_ids_from(PRODUCER_CORRELATION_BASE);
        let next_output_id = OUTPUT_ID_BASE + (u64::from(client_id) << 32);
        Ok(SimPipeline {
            pristine: (consumer.clone(), producer.clone(), app.clone()),
            consumer,
            producer,
            app,
            next_output_id,
            app_effects: Vec::new(),
        })
    }

    /// The pipeline's consumer.
    pub fn consumer(&self) -> &Consumer {
        &self.consumer
    }

    /// The pipeline's producer.
    pub fn producer(&self) -> &Producer {
        &self.producer
    }

    fn run_app(&mut self, now_ms: u64) {
        let SimPipeline { consumer, producer, app, next_output_id, app_effects, .. } = self;
        app.run(consumer, producer, now_ms, next_output_id, app_effects);
    }

    /// Whether an answer belongs to the producer (by API, or by its correlation id range for the
    /// metadata and coordinator lookups both clients make).
    fn for_producer(message: &Message) -> bool {
        match message {
            Message::ProduceResponse(_)
            | Message::InitProducerIdResponse(_)
            | Message::AddPartitionsToTxnResponse(_)
            | Message::AddOffsetsToTxnResponse(_)
            | Message::EndTxnResponse(_)
            | Message::TxnOffsetCommitResponse(_) => true,
            Message::MetadataResponse { correlation_id, .. } => *correlation_id >= PRODUCER_CORRELATION_BASE,
            Message::FindCoordinatorResponse(r) => r.correlation_id >= PRODUCER_CORRELATION_BASE,
            _ => false,
        }
    }
}

impl Node for SimPipeline {
    fn id(&self) -> NodeId {
        self.consumer.id()
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        if Self::for_producer(&message) {
            self.producer.on_message(now_ms, from, message);
        } else {
            self.consumer.on_message(now_ms, from, message);
        }
        self.run_app(now_ms);
    }

    fn on_tick(&mut self, now_ms: u64) {
        if self.consumer.next_tick_ms().is_some_and(|t| t <= now_ms) {
            self.consumer.on_tick(now_ms);
        }
        if self.producer.next_tick_ms().is_some_and(|t| t <= now_ms) {
            self.producer.on_tick(now_ms);
        }
        self.run_app(now_ms);
    }

    fn next_tick_ms(&self) -> Option<u64> {
        [self.consumer.next_tick_ms(), self.producer.next_tick_ms()].into_iter().flatten().min()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        let mut effects = self.consumer.take_effects();
        effects.append(&mut self.producer.take_effects());
        effects.append(&mut self.app_effects);
        effects
    }
}

/// A crashed pipeline: it restarts as first built, keeping only its output numbering.
#[derive(Clone)]
struct Restartable(SimPipeline);

impl Dormant for Restartable {
    fn restart(self: Box<Self>, _now_ms: u64) -> Box<dyn SimNode> {
        Box::new(self.0)
    }

    fn clone_box(&self) -> Box<dyn Dormant> {
        Box::new(self.clone())
    }
}

impl SimNode for SimPipeline {
    fn crash(self: Box<Self>, _power_loss: bool) -> Box<dyn Dormant> {
        let (consumer, producer, app) = self.pristine.clone();
        let fresh = SimPipeline {
            pristine: self.pristine,
            consumer,
            producer,
            app,
            next_output_id: self.next_output_id,
            app_effects: Vec::new(),
        };
        Box::new(Restartable(fresh))
    }

    fn clone_box(&self) -> Box<dyn SimNode> {
        Box::new(self.clone())
    }

    fn as_consumer(&self) -> Option<&Consumer> {
        Some(&self.consumer)
    }

    fn as_producer(&self) -> Option<&Producer> {
        Some(&self.producer)
    }
}
