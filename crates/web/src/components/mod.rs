//! The page's views, one per file. Each takes data as props and dispatches [`crate::state::Action`]s;
//! none of them decides a Kafka rule.

pub mod event_list;
pub mod format;
pub mod outcome_card;
pub mod partition_log;
pub mod produce_form;
pub mod retention;
pub mod topic_configs;
pub mod topic_header;

pub use event_list::EventList;
pub use outcome_card::OutcomeCard;
pub use partition_log::PartitionLogView;
pub use produce_form::ProduceForm;
pub use retention::RetentionControl;
pub use topic_configs::TopicConfigs;
pub use topic_header::TopicHeader;
