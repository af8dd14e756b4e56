//! The live model's rules, natively: speeds, play/pause, one command in flight, seeking, refusals
//! placed by field, loads, the worker's crash, and the keyboard mapping.

use samsa_sim::live::protocol::*;

use super::*;

fn view_at(t_ms: u64, furthest_ms: u64) -> LiveView {
    let broker = |id: i32| BrokerView {
        id,
        name: format!("broker-{id}"),
        state: NodeState::Up,
        leader_count: 1,
        replica_count: 3,
    };
    LiveView {
        scenario: ScenarioInfo { name: "test".into(), description: String::new(), seed: 1 },
        time: TimeView { t_ms, step: t_ms, furthest_ms, trace_hash: "0".into(), trace_events: 0 },
        cluster: ClusterView {
            controller: NodeState::Up,
            brokers: vec![broker(1), broker(2), broker(3)],
            partitions: Vec::new(),
            metrics: ClusterMetrics {
                under_replicated_partitions: 0,
                offline_partitions_count: 0,
                under_min_isr_partition_count: 0,
                active_controller_count: 1,
            },
            network: NetworkView {
                cut_links: Vec::new(),
                isolated: Vec::new(),
                latency_min_ms: 1,
                latency_max_ms: 5,
                link_latencies: Vec::new(),
                drop_rate: 0.0,
                in_flight_messages: 0,
            },
            clients: vec![ClientNodeView { name: "client-1".into(), state: NodeState::Up }],
        },
        log: None,
        producers: Vec::new(),
        consumers: Vec::new(),
        groups: Vec::new(),
        pipelines: Vec::new(),
        transactions: Vec::new(),
        events: Vec::new(),
        checker: CheckerView {
            records_sent: 0,
            records_acked: 0,
            lost: 0,
            duplicated: 0,
            out_of_order: 0,
            reordered: 0,
            acked_without_offset: 0,
            records_consumed: 0,
            violations: Vec::new(),
        },
        charts: ChartsView {
            bucket_ms: 1000,
            start_ms: 0,
            throughput: Vec::new(),
            lag: Vec::new(),
            produce_rate: Vec::new(),
        },
        branches: Vec::new(),
        current_branch: 0,
    }
}

fn reply_view(model: &mut LiveModel, t_ms: u64, furthest_ms: u64) {
    model.apply(LiveAction::Reply(FromSim::Update(Update::View(Box::new(view_at(t_ms, furthest_ms))))));
}

fn load(model: &mut LiveModel) {
    model.apply(LiveAction::Load { scenario_toml: "x".into(), seed: Some(3) });
    assert_eq!(model.outbox().to_send(), Some(&Command::Load { scenario_toml: "x".into(), seed: Some(3) }));
    reply_view(model, 0, 0);
}

#[test]
fn the_first_view_starts_playing_at_one_x() {
    let mut model = LiveModel::new();
    assert!(!model.playing());
    load(&mut model);
    assert!(model.playing());
    assert_eq!(model.speed(), 1.0);
    assert!(model.outbox().is_idle());
}

#[test]
fn speed_steps_stop_at_both_ends() {
    let mut model = LiveModel::new();
    for _ in 0..20 {
        model.apply(LiveAction::Faster);
    }
    assert_eq!(model.speed(), 1000.0);
    model.apply(LiveAction::Slower);
    assert_eq!(model.speed(), 100.0);
    for _ in 0..20 {
        model.apply(LiveAction::Slower);
    }
    assert_eq!(model.speed(), 0.1);
    model.apply(LiveAction::SetSpeed(99));
    assert_eq!(model.speed(), 1000.0);
}

#[test]
fn frames_advance_by_wall_time_times_speed_with_one_command_in_flight() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::Faster); // 2×
    model.apply(LiveAction::Frame { now_ms: 100.0 });
    assert!(model.outbox().is_idle(), "the first frame only starts the clock");
    model.apply(LiveAction::Frame { now_ms: 116.0 });
    assert_eq!(model.outbox().to_send(), Some(&Command::Advance { virtual_ms: 32 }));
    let seq = model.outbox().seq();
    // The answer takes three frames: nothing more is sent meanwhile, the wall time is owed.
    for now_ms in [132.0, 148.0, 164.0] {
        model.apply(LiveAction::Frame { now_ms });
        assert_eq!(model.outbox().seq(), seq);
    }
    reply_view(&mut model, 32, 32);
    assert!(model.outbox().is_idle());
    model.apply(LiveAction::Frame { now_ms: 180.0 });
    assert_eq!(model.outbox().to_send(), Some(&Command::Advance { virtual_ms: 128 }));
}

#[test]
fn pause_stops_the_loop_and_play_starts_the_clock_afresh() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::TogglePlay);
    assert!(!model.playing());
    model.apply(LiveAction::Frame { now_ms: 0.0 });
    model.apply(LiveAction::Frame { now_ms: 5_000.0 });
    assert!(model.outbox().is_idle());
    model.apply(LiveAction::TogglePlay);
    model.apply(LiveAction::Frame { now_ms: 10_000.0 });
    assert!(model.outbox().is_idle(), "the paused time is not owed");
    model.apply(LiveAction::Frame { now_ms: 10_010.0 });
    assert_eq!(model.outbox().to_send(), Some(&Command::Advance { virtual_ms: 10 }));
}

#[test]
fn seek_and_step_pause_and_queue_behind_the_command_in_flight() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::Frame { now_ms: 0.0 });
    model.apply(LiveAction::Frame { now_ms: 20.0 });
    assert_eq!(model.outbox().to_send(), Some(&Command::Advance { virtual_ms: 20 }));
    model.apply(LiveAction::Seek(5));
    model.apply(LiveAction::Seek(7)); // dragging: replaces the waiting seek
    assert!(!model.playing());
    assert_eq!(model.outbox().queued(), 1);
    reply_view(&mut model, 20, 20);
    assert_eq!(model.outbox().to_send(), Some(&Command::Seek { t_ms: 7 }));
    reply_view(&mut model, 7, 20);
    assert!(model.in_the_past());
    model.apply(LiveAction::TogglePlay);
    model.apply(LiveAction::Step);
    assert!(!model.playing());
    assert_eq!(model.outbox().to_send(), Some(&Command::Step));
}

#[test]
fn the_queue_is_bounded_and_says_so() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::Step);
    for _ in 0..MAX_QUEUED_COMMANDS {
        model.apply(LiveAction::Act(UserAction::HealAll));
    }
    assert_eq!(model.refusal(), None);
    model.apply(LiveAction::Act(UserAction::HealAll));
    assert_eq!(model.outbox().queued(), MAX_QUEUED_COMMANDS);
    let refusal = model.refusal().unwrap();
    assert!(refusal.message.contains("busy"), "{refusal:?}");
}

#[test]
fn refusals_are_kept_by_field_until_the_next_action() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::Act(UserAction::SetClientConfig {
        client: "client-1".into(),
        name: "acks".into(),
        value: "2".into(),
    }));
    model.apply(LiveAction::Reply(FromSim::Update(Update::Refused {
        field: Some("acks".into()),
        message: "Invalid value 2 for configuration acks".into(),
    })));
    assert_eq!(model.refusal_for(&["acks"]), Some("Invalid value 2 for configuration acks"));
    assert_eq!(model.refusal_for(&["a", "b"]), None);
    assert!(model.playing(), "a refused action does not stop the clock");
    // Views from the play loop keep it; the next action clears it.
    reply_view(&mut model, 10, 10);
    assert!(model.refusal().is_some());
    model.apply(LiveAction::Act(UserAction::HealAll));
    assert_eq!(model.refusal(), None);
}

#[test]
fn a_refused_advance_stops_the_loop() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::Frame { now_ms: 0.0 });
    model.apply(LiveAction::Frame { now_ms: 16.0 });
    model.apply(LiveAction::Reply(FromSim::Update(Update::Refused {
        field: Some("virtual_ms".into()),
        message: "too far".into(),
    })));
    assert!(!model.playing());
    assert_eq!(model.refusal_for(&["virtual_ms"]), Some("too far"));
}

#[test]
fn a_failed_load_is_shown_and_cleared_by_the_next_good_one() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::Load { scenario_toml: "[bad".into(), seed: None });
    model.apply(LiveAction::Reply(FromSim::Update(Update::LoadFailed {
        message: "line 1: expected `]`".into(),
    })));
    assert_eq!(model.load_error(), Some("line 1: expected `]`"));
    reply_view(&mut model, 10, 10); // a frame's view is not the load's answer
    model.apply(LiveAction::Load { scenario_toml: "ok".into(), seed: None });
    reply_view(&mut model, 0, 0);
    assert_eq!(model.load_error(), None);
}

#[test]
fn a_url_problem_outlives_the_default_load_until_the_next_load() {
    let mut model = LiveModel::new();
    model.apply(LiveAction::Load { scenario_toml: "default".into(), seed: None });
    model.apply(LiveAction::StartProblem("scenario: no scenario named `x`".into()));
    reply_view(&mut model, 0, 0);
    assert_eq!(model.load_error(), Some("scenario: no scenario named `x`"));
    model.apply(LiveAction::Load { scenario_toml: "other".into(), seed: None });
    assert_eq!(model.load_error(), None);
}

#[test]
fn a_crashed_worker_stops_everything() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::Reply(FromSim::Crashed("panicked at session.rs:1".into())));
    assert_eq!(model.worker_error(), Some("panicked at session.rs:1"));
    assert!(!model.playing());
    model.apply(LiveAction::TogglePlay);
    assert!(!model.playing());
}

#[test]
fn clock_only_frames_compare_equal_so_the_page_does_not_re_render() {
    let mut model = LiveModel::new();
    load(&mut model);
    model.apply(LiveAction::Frame { now_ms: 0.0 });
    let before = model.clone();
    model.apply(LiveAction::Frame { now_ms: 0.5 });
    assert_eq!(model, before);
    model.apply(LiveAction::Frame { now_ms: 16.0 });
    assert_ne!(model, before, "an advance went in flight");
}

#[test]
fn link_ends_default_to_the_first_two_brokers() {
    let mut model = LiveModel::new();
    load(&mut model);
    assert_eq!(model.link_ends(), ("broker-1".to_owned(), "broker-2".to_owned()));
    model.apply(LiveAction::SetLinkEnd { end: LinkEnd::B, node: "client-1".into() });
    model.apply(LiveAction::SetLinkEnd { end: LinkEnd::A, node: "no-such-node".into() });
    assert_eq!(model.link_ends(), ("broker-1".to_owned(), "client-1".to_owned()));
    assert_eq!(model.node_names(), ["controller", "broker-1", "broker-2", "broker-3", "client-1"]);
}

#[test]
fn help_tabs_and_keys() {
    let mut model = LiveModel::new();
    for (key, expected) in [
        (" ", Some(LiveAction::TogglePlay)),
        ("ArrowRight", Some(LiveAction::Step)),
        ("[", Some(LiveAction::Slower)),
        ("]", Some(LiveAction::Faster)),
        ("?", Some(LiveAction::ToggleHelp)),
        ("Escape", Some(LiveAction::CloseHelp)),
        ("a", None),
    ] {
        assert_eq!(action_for_key(key, false), expected, "key {key:?}");
    }
    assert_eq!(action_for_key(" ", true), None, "Ctrl/Alt/Meta + key is the browser's");
    assert!(is_typing_target("input", false));
    assert!(is_typing_target("TEXTAREA", false));
    assert!(is_typing_target("SELECT", false));
    assert!(is_typing_target("DIV", true));
    assert!(!is_typing_target("BUTTON", false));
    model.apply(LiveAction::ToggleHelp);
    assert!(model.help_open());
    model.apply(LiveAction::CloseHelp);
    assert!(!model.help_open());
    model.apply(LiveAction::SelectTab(Tab::Log));
    assert_eq!(model.tab(), Tab::Log);
}
