//! Golden vectors for Kafka's murmur2 and keyed partitioning, from sources that check against the Java
//! client. Each table cites the repository, file and test it comes from; the values are data, copied as
//! published (hex where the source writes hex).

use samsa_core::partitioner::{murmur2, to_positive, NullKeyStrategy, PartitionReason, Partitioner};

/// apache/kafka, `clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java`, `testMurmur2`:
/// `Utils.murmur2(bytes)` as Java `int`s.
const KAFKA_UTILS_TEST: &[(&[u8], i32)] = &[
    (b"21", -973_932_308),
    (b"foobar", -790_332_482),
    (b"a-little-bit-long-string", -985_981_536),
    (b"a-little-bit-longer-string", -1_486_304_829),
    (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
    (b"abc", 479_470_107),
];

/// confluentinc/librdkafka, `src/rdmurmur2.c`, `unittest_murmur2` ("java_murmur2_results"): every tail
/// length (the "1234" suffixes) and the empty key. The source writes the Java ints in hex.
const LIBRDKAFKA_UNITTEST: &[(&[u8], u32)] = &[
    (b"kafka", 0xd067_cf64),
    (b"giberish123456789", 0x8f55_2b0c),
    (b"1234", 0x9fc9_7b14),
    (b"234", 0xe7c0_09ca),
    (b"34", 0x8739_30da),
    (b"4", 0x5a4b_5ca1),
    (b"PreAmbleWillBeRemoved,ThePrePartThatIs", 0x7842_4f1c),
    (b"reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62_b377),
    (b"eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4_e09e),
    (b"AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8_b43f),
    (b"", 0x106e_08d9),
];

/// tulios/kafkajs, `src/producer/partitioners/defaultJava/murmur2.spec.js`, `testData` ("Generated with
/// src/producer/partitioners/defaultJava/Test.java", i.e. printed by Java's murmur2). Keys are the
/// UTF-8 bytes of the strings.
const KAFKAJS_JAVA_GENERATED: &[(&str, i32)] = &[
    ("0", 971_027_396),
    ("1", -1_993_445_489),
    ("128", -326_012_175),
    ("2187", -1_508_407_203),
    ("16384", -325_739_742),
    ("78125", -1_654_490_814),
    ("279936", 1_462_227_128),
    ("823543", -2_014_198_330),
    ("2097152", 607_668_903),
    ("4782969", -1_182_699_775),
    ("10000000", -1_830_336_757),
    ("19487171", -1_603_849_305),
    ("35831808", -857_013_643),
    ("62748517", -1_167_431_028),
    ("105413504", -381_294_639),
    ("170859375", -1_658_323_481),
    ("100:48069", 1_009_543_857),
];

/// dpkp/kafka-python, `test/test_partitioner.py`, `test_murmur2_java_compatibility`: key → partition
/// with 1000 partitions, "compare with output from Kafka's org.apache.kafka.clients.producer.Partitioner".
const KAFKA_PYTHON_PARTITIONS_OF_1000: &[(&[u8], u32)] =
    &[(b"", 681), (b"a", 524), (b"ab", 434), (b"abc", 107), (b"123456789", 566), (b"\x00 ", 742)];

#[test]
fn murmur2_matches_kafka_utils_test() {
    for &(key, expected) in KAFKA_UTILS_TEST {
        assert_eq!(murmur2(key), expected, "{:?}", String::from_utf8_lossy(key));
    }
}

#[test]
fn murmur2_matches_librdkafka_unittest() {
    for &(key, expected) in LIBRDKAFKA_UNITTEST {
        assert_eq!(murmur2(key), expected as i32, "{:?}", String::from_utf8_lossy(key));
    }
}

#[test]
fn murmur2_matches_kafkajs_java_generated() {
    for &(key, expected) in KAFKAJS_JAVA_GENERATED {
        assert_eq!(murmur2(key.as_bytes()), expected, "{key:?}");
    }
}

#[test]
fn keyed_partition_matches_kafka_python() {
    let mut partitioner = Partitioner::new(NullKeyStrategy::Sticky);
    for &(key, expected) in KAFKA_PYTHON_PARTITIONS_OF_1000 {
        let choice = partitioner.partition(Some(key), 1000, 0).unwrap();
        assert_eq!(choice.partition, expected, "{key:?}");
        let hash = murmur2(key);
        assert_eq!(
            choice.reason,
            PartitionReason::Murmur2 { hash, positive: to_positive(hash), num_partitions: 1000 },
            "{key:?}"
        );
    }
}

#[test]
fn keyed_partition_is_to_positive_murmur2_mod_n() {
    // The UtilsTest keys through the partitioner for several partition counts: the partition is the
    // published hash with its sign bit cleared, modulo n (Kafka's BuiltInPartitioner.partitionForKey).
    let mut partitioner = Partitioner::new(NullKeyStrategy::Sticky);
    for &(key, hash) in KAFKA_UTILS_TEST {
        for n in [1_u32, 2, 3, 6, 12, 50, 1000] {
            let expected = (hash & 0x7fff_ffff) as u32 % n;
            assert_eq!(partitioner.partition(Some(key), n, 0).unwrap().partition, expected, "{key:?} n={n}");
        }
    }
}

#[test]
fn keyed_reason_prints_the_arithmetic() {
    // "21" → -973932308 (UtilsTest) → toPositive 1173551340 → % 3 = 0.
    let choice = Partitioner::new(NullKeyStrategy::Sticky).partition(Some(b"21"), 3, 0).unwrap();
    assert_eq!(choice.reason.to_string(), "murmur2(key) = -973932308 → toPositive = 1173551340 → % 3 = 0");
    assert_eq!(choice.partition, 0);
}
