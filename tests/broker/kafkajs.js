// kafkajs 2.2 against samsa-broker: run by `cargo xtask test` (stage `broker`) as
//   node kafkajs.js 127.0.0.1:PORT
// Prints `ok NAME` or `FAIL NAME: reason` per check and exits 1 if any failed.
const { Kafka, logLevel } = require('kafkajs');

const bootstrap = process.argv[2];
const kafka = new Kafka({ clientId: 'samsa-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const unique = (prefix) => `${prefix}-${Math.random().toString(16).slice(2, 10)}`;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${String(e && e.message ? e.message : e).replace(/\n/g, ' ')}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function consumeAll(topic, groupId, count, config = {}) {
  const consumer = kafka.consumer({ groupId, ...config });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 30000);
    consumer.run({
      eachMessage: async ({ message, partition }) => {
        seen.push({ partition, key: message.key && message.key.toString(), value: message.value.toString() });
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

(async () => {
  await check('admin lists the cluster and creates a topic', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    assert(cluster.brokers.length >= 1, `brokers: ${cluster.brokers.length}`);
    const topic = unique('kjs-admin');
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    assert(created, 'createTopics returned false');
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    assert(metadata.topics[0].partitions.length === 2, 'two partitions');
    await admin.disconnect();
  });

  await check('idempotent acks=all producer and a group consumer', async () => {
    const topic = unique('kjs');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 5}`, value: `v${i}` }));
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();
    const seen = await consumeAll(topic, unique('kjs-group'), 60);
    assert(seen.length === 60, `consumed ${seen.length}`);
    const partitionOf = {};
    for (const m of seen) {
      partitionOf[m.key] = partitionOf[m.key] ?? m.partition;
      assert(partitionOf[m.key] === m.partition, `key ${m.key} on two partitions`);
    }
  });

  await check('a transaction commits and read_committed sees it', async () => {
    const topic = unique('kjs-txn');
    const producer = kafka.producer({ transactionalId: unique('kjs-tid'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted-1' }] });
    await aborted.abort();
    await producer.disconnect();
    const seen = await consumeAll(topic, unique('kjs-rc'), 2, { readUncommitted: false });
    const values = seen.map((m) => m.value).sort();
    assert(JSON.stringify(values) === JSON.stringify(['committed-1', 'committed-2']), values.join(','));
  });

  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.log(`FAIL kafkajs run: ${e.message}`);
  process.exit(1);
});
