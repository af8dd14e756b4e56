//! The page's views, one per file. Each takes data as props and sends actions back through
//! callbacks (or the `log` tab's dispatcher); none of them decides a Kafka rule.
//!
//! - Live cluster (the default tab): [`time_bar`], [`cluster`] (+ [`cluster_metrics`],
//!   [`partition_table`]), [`network_controls`], [`scenario_picker`], [`replica_logs`], [`clients`]
//!   (+ [`producer_panel`]), [`groups`] (consumer groups), [`transactions`] (transactional ids and
//!   pipelines),
//!   [`timeline`], [`checker_panel`], [`charts`], [`branches`], [`help_overlay`], [`tabs`].
//! - The `log` tab: [`log_tab`] and the single-topic views it lays out ([`topic_header`],
//!   [`produce_form`], [`outcome_card`], [`retention`], [`topic_configs`], [`partition_log`],
//!   [`event_list`]).
//! - Helpers: [`mod@format`] (units), [`node_state`] (up/paused/down as word and icon).

pub mod branches;
pub mod charts;
pub mod checker_panel;
pub mod clients;
pub mod cluster;
pub mod cluster_metrics;
pub mod event_list;
pub mod format;
pub mod groups;
pub mod help_overlay;
pub mod log_tab;
pub mod network_controls;
pub mod node_state;
pub mod outcome_card;
pub mod partition_log;
pub mod partition_table;
pub mod produce_form;
pub mod producer_panel;
pub mod replica_logs;
pub mod retention;
pub mod scenario_picker;
pub mod tabs;
pub mod time_bar;
pub mod timeline;
pub mod topic_configs;
pub mod topic_header;
pub mod transactions;

pub use branches::Branches;
pub use charts::Charts;
pub use checker_panel::CheckerPanel;
pub use clients::Clients;
pub use cluster::Cluster;
pub use event_list::EventList;
pub use groups::Groups;
pub use help_overlay::HelpOverlay;
pub use log_tab::LogTab;
pub use network_controls::NetworkControls;
pub use outcome_card::OutcomeCard;
pub use partition_log::PartitionLogView;
pub use produce_form::ProduceForm;
pub use replica_logs::ReplicaLogs;
pub use retention::RetentionControl;
pub use scenario_picker::ScenarioPicker;
pub use tabs::Tabs;
pub use time_bar::TimeBar;
pub use timeline::Timeline;
pub use topic_configs::TopicConfigs;
pub use topic_header::TopicHeader;
pub use transactions::Transactions;
