"""Real Kafka clients against samsa-broker: kafka-python and librdkafka (confluent-kafka).

Run by `cargo xtask test` (stage `broker`) against a 3-broker samsa-broker with its admin control:
    python clients.py --bootstrap 127.0.0.1:PORT --admin 127.0.0.1:ADMIN_PORT --brokers 3
Prints one line per check, `ok NAME` or `FAIL NAME: reason`, and exits 1 if any failed. Every check
uses its own topics and groups, and has timeouts, so one failure never hangs or spoils the others.
"""

import argparse
import socket
import sys
import time
import traceback
import uuid

from confluent_kafka import Consumer as CkConsumer
from confluent_kafka import Producer as CkProducer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

ARGS = None
RESULTS = []
CHECKS = []


def check(fn):
    """Registers a check (they run in file order)."""
    CHECKS.append(fn)
    return fn


def run(fn):
    """Runs one check and records ok/FAIL."""
    name = fn.__name__.replace("_", " ")
    try:
        fn()
        print(f"ok {name}", flush=True)
        RESULTS.append(True)
    except Exception as e:  # a check fails, the run goes on
        detail = "".join(traceback.format_exception_only(type(e), e)).strip().replace("\n", " ")
        print(f"FAIL {name}: {detail}", flush=True)
        RESULTS.append(False)


def topic(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def admin(command):
    host, port = ARGS.admin.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall((command + "\n").encode())
        answer = s.makefile().readline().strip()
    if not answer.startswith("ok"):
        raise AssertionError(f"admin {command!r}: {answer}")
    return answer


def producer(**config):
    return KafkaProducer(bootstrap_servers=ARGS.bootstrap, request_timeout_ms=10_000, **config)


def read_all(name, expected, **config):
    """Every record of `name`, read from the beginning by a consumer without a group."""
    consumer = KafkaConsumer(bootstrap_servers=ARGS.bootstrap, consumer_timeout_ms=5_000, **config)
    partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or [])]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    records = []
    deadline = time.time() + 30
    while len(records) < expected and time.time() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    consumer.close()
    return records


def produce_keyed(name, count, **config):
    p = producer(**config)
    futures = [p.send(name, key=b"key-%d" % (i % 7), value=b"value-%d" % i) for i in range(count)]
    p.flush(30)
    acked = [f.get(timeout=30) for f in futures]
    p.close()
    return acked


@check
def metadata_lists_every_broker():
    a = KafkaAdminClient(bootstrap_servers=ARGS.bootstrap)
    cluster = a.describe_cluster()
    a.close()
    ids = sorted(b["broker_id"] for b in cluster["brokers"])
    assert ids == list(range(1, ARGS.brokers + 1)), ids


@check
def acks_all_keyed_records_come_back_in_order():
    name = topic("keyed")
    acked = produce_keyed(name, 200, acks="all")
    assert len(acked) == 200
    records = read_all(name, 200)
    assert len(records) == 200, len(records)
    partition_of = {}
    last_offset = {}
    for r in records:
        assert partition_of.setdefault(r.key, r.partition) == r.partition, f"{r.key} on two partitions"
        assert r.offset > last_offset.get(r.partition, -1), "offsets go backwards"
        last_offset[r.partition] = r.offset
    assert sorted(r.value for r in records) == sorted(b"value-%d" % i for i in range(200))


@check
def acks_0_and_1_deliver():
    for acks in (0, 1):
        name = topic(f"acks{acks}")
        # acks=0 hears of no error: write only once every leader has taken office (a real application
        # on a brand-new topic would lose the first records to NOT_LEADER_OR_FOLLOWER, as on Kafka).
        a = KafkaAdminClient(bootstrap_servers=ARGS.bootstrap)
        a.create_topics([NewTopic(name, 3, min(3, ARGS.brokers))])
        a.close()
        time.sleep(3)
        produce_keyed(name, 50, acks=acks)
        assert len(read_all(name, 50)) == 50, f"acks={acks}"


@check
def every_compression_codec_round_trips():
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        name = topic(codec)
        produce_keyed(name, 100, acks="all", compression_type=codec, linger_ms=20)
        records = read_all(name, 100)
        assert len(records) == 100, f"{codec}: {len(records)}"


@check
def idempotent_producer_gets_a_producer_id():
    name = topic("idem")
    produce_keyed(name, 50, acks="all", enable_idempotence=True)
    assert len(read_all(name, 50)) == 50


@check
def list_offsets_and_offsets_for_times():
    name = topic("offsets")
    before_ms = int(time.time() * 1000) - 1
    produce_keyed(name, 30, acks="all")
    consumer = KafkaConsumer(bootstrap_servers=ARGS.bootstrap)
    partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name)]
    ends = consumer.end_offsets(partitions)
    starts = consumer.beginning_offsets(partitions)
    assert sum(ends.values()) - sum(starts.values()) == 30, (ends, starts)
    found = consumer.offsets_for_times({tp: before_ms for tp in partitions})
    for tp, at in found.items():
        if ends[tp] > 0:
            assert at is not None and at.offset == 0, (tp, at)
    consumer.close()


@check
def a_group_commits_and_a_new_member_resumes():
    name, group = topic("resume"), topic("group")
    produce_keyed(name, 60, acks="all")
    c = KafkaConsumer(name, bootstrap_servers=ARGS.bootstrap, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=10_000)
    first = []
    for m in c:
        first.append(m)
        if len(first) == 40:
            break
    c.commit()
    c.close()
    c = KafkaConsumer(name, bootstrap_servers=ARGS.bootstrap, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=8_000)
    rest = list(c)
    c.close()
    assert len(first) == 40 and len(rest) == 20, (len(first), len(rest))


@check
def two_members_share_the_partitions():
    # librdkafka's consumers keep their group membership on background threads, as real applications do.
    name, group = topic("share"), topic("group")
    a = KafkaAdminClient(bootstrap_servers=ARGS.bootstrap)
    a.create_topics([NewTopic(name, 4, min(3, ARGS.brokers))])
    a.close()
    config = {"bootstrap.servers": ARGS.bootstrap, "group.id": group, "auto.offset.reset": "earliest"}
    c1, c2 = CkConsumer(config), CkConsumer(config)
    c1.subscribe([name])
    c2.subscribe([name])
    one, two = set(), set()
    deadline = time.time() + 45
    while time.time() < deadline:
        c1.poll(0.2)
        c2.poll(0.2)
        one = {p.partition for p in c1.assignment()}
        two = {p.partition for p in c2.assignment()}
        if one and two and one | two == {0, 1, 2, 3} and not one & two:
            break
    c1.close()
    c2.close()
    assert one and two and one | two == {0, 1, 2, 3} and not one & two, (one, two)


@check
def transactions_commit_and_abort_as_read_committed_sees_them():
    name = topic("txn")
    p = producer(transactional_id=topic("txn-id"))
    p.init_transactions()
    p.begin_transaction()
    for i in range(10):
        p.send(name, key=b"k%d" % i, value=b"committed-%d" % i)
    p.commit_transaction()
    p.begin_transaction()
    for i in range(10):
        p.send(name, key=b"k%d" % i, value=b"aborted-%d" % i)
    p.flush(30)
    p.abort_transaction()
    p.close()
    committed = read_all(name, 10, isolation_level="read_committed")
    everything = read_all(name, 20, isolation_level="read_uncommitted")
    assert sorted(r.value for r in committed) == sorted(b"committed-%d" % i for i in range(10)), len(committed)
    assert len(everything) == 20, len(everything)


@check
def a_new_transactional_producer_fences_the_old_one():
    name, tid = topic("fence"), topic("fence-id")
    old = producer(transactional_id=tid)
    old.init_transactions()
    new = producer(transactional_id=tid)
    new.init_transactions()
    fenced = False
    try:
        old.begin_transaction()
        old.send(name, value=b"zombie").get(timeout=20)
        old.commit_transaction()
    except Exception as e:  # ProducerFencedError, or a KafkaError naming it (kafka-python 2.x)
        text = f"{type(e).__name__} {e}".lower()
        fenced = "fenced" in text or "invalid_producer_epoch" in text or "invalidproducerepoch" in text
    new.close()
    try:
        old.close(timeout=1)
    except Exception:
        pass
    assert fenced, "the old producer was not fenced"
    assert not any(r.value == b"zombie" for r in read_all(name, 1, isolation_level="read_committed"))


@check
def create_topics_refuses_a_duplicate_and_lists_groups():
    name = topic("admin")
    a = KafkaAdminClient(bootstrap_servers=ARGS.bootstrap)
    a.create_topics([NewTopic(name, 2, 1, topic_configs={"retention.ms": "60000"})])
    try:
        a.create_topics([NewTopic(name, 2, 1)])
        raise AssertionError("a duplicate topic was created")
    except TopicAlreadyExistsError:
        pass
    a.close()


@check
def create_partitions_grows_a_topic_and_describe_configs_reads_it():
    name = topic("grow")
    a = KafkaAdminClient(bootstrap_servers=ARGS.bootstrap)
    a.create_topics([NewTopic(name, 2, min(2, ARGS.brokers), topic_configs={"retention.ms": "123456"})])
    a.create_partitions({name: NewPartitions(4)})
    try:
        a.create_partitions({name: NewPartitions(3)})
        raise AssertionError("a topic shrank")
    except KafkaError as e:
        assert "InvalidPartitions" in type(e).__name__, type(e).__name__
    configs = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name, ["retention.ms"])])
    a.close()
    assert configs["topic"][name]["retention.ms"]["value"] == "123456", configs
    p = producer()
    deadline = time.time() + 20
    while time.time() < deadline and len(p.partitions_for(name)) < 4:
        time.sleep(0.5)
    assert p.send(name, partition=3, value=b"x").get(timeout=20).offset == 0
    p.close()


@check
def delete_topics_removes_a_topic_once():
    name = topic("delete")
    a = KafkaAdminClient(bootstrap_servers=ARGS.bootstrap)
    a.create_topics([NewTopic(name, 2, min(2, ARGS.brokers))])
    produce_keyed(name, 5, acks="all")
    a.delete_topics([name])
    deadline = time.time() + 20
    while time.time() < deadline and name in a.list_topics():
        time.sleep(0.5)
    assert name not in a.list_topics(), "still listed"
    try:
        a.delete_topics([name])
        raise AssertionError("deleted twice")
    except KafkaError as e:
        assert "UnknownTopicOrPartition" in type(e).__name__, type(e).__name__
    a.close()


@check
def librdkafka_idempotent_producer_and_group_consumer():
    name, group = topic("rdkafka"), topic("rdgroup")
    delivered = []
    p = CkProducer({"bootstrap.servers": ARGS.bootstrap, "acks": "all", "enable.idempotence": True})
    for i in range(100):
        p.produce(name, key=b"k%d" % (i % 6), value=b"v%d" % i,
                  on_delivery=lambda err, msg: delivered.append(err is None))
    assert p.flush(30) == 0
    assert len(delivered) == 100 and all(delivered), delivered.count(False)
    c = CkConsumer({"bootstrap.servers": ARGS.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                    "enable.auto.commit": False})
    c.subscribe([name])
    got = 0
    deadline = time.time() + 40
    while got < 100 and time.time() < deadline:
        m = c.poll(1.0)
        if m is not None and not m.error():
            got += 1
    c.commit(asynchronous=False)
    c.close()
    assert got == 100, got


@check
def acks_all_survives_a_leader_crash_through_the_admin_control():
    name = topic("crash")
    p = producer(acks="all", enable_idempotence=True, retries=1000, retry_backoff_ms=200)
    acked = {}

    def send(i):
        f = p.send(name, key=b"k%d" % (i % 5), value=b"%d" % i)
        f.add_callback(lambda md, i=i: acked.__setitem__(i, md.offset))

    for i in range(100):
        send(i)
    p.flush(30)
    leader = p._metadata.leader_for_partition(TopicPartition(name, 0))
    admin(f"crash broker-{leader}")
    try:
        for i in range(100, 200):
            send(i)
        p.flush(60)
    finally:
        admin(f"restart broker-{leader}")
    for i in range(200, 300):
        send(i)
    p.flush(60)
    p.close()
    assert len(acked) == 300, len(acked)
    values = [int(r.value) for r in read_all(name, 300)]
    missing = set(acked) - set(values)
    assert not missing, f"{len(missing)} acknowledged records lost"
    assert len(values) == len(set(values)), "duplicates"


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--brokers", type=int, default=3)
    ARGS = parser.parse_args()
    for fn in CHECKS:
        run(fn)
    sys.exit(0 if all(RESULTS) else 1)


if __name__ == "__main__":
    main()
