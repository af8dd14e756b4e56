//! A consumer and the application polling it, as one simulator node.

use samsa_core::client::{Consumer, ConsumerConfig};
use samsa_core::node::{BrokerId, Effect, Node, NodeId};
use samsa_core::replication::messages::Message;

use super::{client_number, Fresh};
use crate::consumer_app::ConsumerApp;
use crate::sim_node::{Dormant, SimNode};

/// A consumer with its application (see [`ConsumerApp`]), and a copy of both as first built: a crashed
/// client keeps nothing, so it restarts as that copy and subscribes (or assigns) again at once.
#[derive(Clone)]
pub struct SimConsumer {
    pristine: (Consumer, ConsumerApp),
    inner: Consumer,
    app: ConsumerApp,
    bootstrap: Vec<BrokerId>,
    app_effects: Vec<Effect>,
}

impl SimConsumer {
    /// A consumer client driven by `app`.
    pub fn new(
        client_id: u32,
        config: ConsumerConfig,
        bootstrap: Vec<BrokerId>,
        app: ConsumerApp,
    ) -> Result<Self, String> {
        let inner = Consumer::new(client_id, config, bootstrap.clone()).map_err(|e| e.to_string())?;
        Ok(SimConsumer {
            pristine: (inner.clone(), app.clone()),
            inner,
            app,
            bootstrap,
            app_effects: Vec::new(),
        })
    }

    /// The samsa-core consumer.
    pub fn consumer(&self) -> &Consumer {
        &self.inner
    }

    /// The application around it.
    pub fn app(&self) -> &ConsumerApp {
        &self.app
    }

    fn run_app(&mut self, now_ms: u64) {
        self.app.run(&mut self.inner, now_ms, &mut self.app_effects);
    }
}

impl Node for SimConsumer {
    fn id(&self) -> NodeId {
        self.inner.id()
    }

    fn on_message(&mut self, now_ms: u64, from: NodeId, message: Message) {
        self.inner.on_message(now_ms, from, message);
        self.run_app(now_ms);
    }

    fn on_tick(&mut self, now_ms: u64) {
        self.inner.on_tick(now_ms);
        self.run_app(now_ms);
    }

    fn next_tick_ms(&self) -> Option<u64> {
        [self.inner.next_tick_ms(), self.app.next_wake_ms()].into_iter().flatten().min()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        let mut effects = self.inner.take_effects();
        effects.append(&mut self.app_effects);
        effects
    }
}

impl SimNode for SimConsumer {
    fn crash(self: Box<Self>, _power_loss: bool) -> Box<dyn Dormant> {
        let (inner, app) = self.pristine.clone();
        Box::new(Fresh(SimConsumer {
            pristine: self.pristine,
            inner,
            app,
            bootstrap: self.bootstrap,
            app_effects: Vec::new(),
        }))
    }

    fn clone_box(&self) -> Box<dyn SimNode> {
        Box::new(self.clone())
    }

    fn reconfigured(&self, name: &str, value: &str) -> Option<Result<Box<dyn SimNode>, String>> {
        let mut config = self.inner.config().clone();
        let built = config.set(name, value).map_err(|e| e.to_string()).and_then(|()| {
            let app = self.pristine.1.clone();
            SimConsumer::new(client_number(&self.inner), config, self.bootstrap.clone(), app)
        });
        Some(built.map(|c| Box::new(c) as Box<dyn SimNode>))
    }

    fn as_consumer(&self) -> Option<&Consumer> {
        Some(&self.inner)
    }
}
