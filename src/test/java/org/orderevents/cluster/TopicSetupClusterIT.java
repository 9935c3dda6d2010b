package org.orderevents.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.orderevents.kafka.TestTopicSetup;
import org.orderevents.kafka.TopicSetup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The topic set-up of start-up on a fresh cluster of three broker JVMs (replication factor 3, min.insync.replicas 2),
 * where a topic just created is known to the controller before every broker: creating the topics and reading their
 * retention straight away must succeed every time, for topics it creates and for topics an operator made just before;
 * a topic that never becomes known fails the start within the timeout, naming it and the brokers asked.
 */
class TopicSetupClusterIT {

    private static final Duration RETENTION = Duration.ofDays(14);
    private static final int ROUNDS = 10;

    private static KafkaCluster cluster;
    private static Map<String, Object> client;

    @BeforeAll
    static void startCluster() {
        long started = System.nanoTime();
        cluster = KafkaCluster.start(3, KafkaCluster.directory("TopicSetupClusterIT"));
        System.out.printf("TopicSetupClusterIT: a cluster of 3 brokers started in %d ms%n", millisSince(started));
        client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theContractsTopicsAreCreatedAndTheirRetentionReadOnAFreshCluster() throws Exception {
        long started = System.nanoTime();
        TopicSetup.createMissing(client, 3, (short) 3);
        TopicSetup.requireRetentionCovers(client, RETENTION);
        System.out.printf("TopicSetupClusterIT: the contract's topics created and checked in %d ms%n", millisSince(started));

        try (Admin admin = Admin.create(client)) {
            Map<String, TopicDescription> topics = admin.describeTopics(TopicSetup.TOPICS).allTopicNames().get(10, TimeUnit.SECONDS);
            assertThat(topics).containsOnlyKeys(TopicSetup.TOPICS);
            topics.values().forEach(topic -> assertThat(topic.partitions()).as(topic.name()).hasSize(3)
                    .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
        }
    }

    @Test
    void freshTopicsAreCreatedAndTheirRetentionReadEveryTime() {
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
            String prefix = "fresh" + round + "-";
            try {
                TestTopicSetup.createMissing(client, named(prefix, TopicSetup.TOPICS), 3, (short) 3, TopicSetup.READY_TIMEOUT);
                TestTopicSetup.requireRetentionCovers(client, named(prefix, TopicSetup.CONSUMED), RETENTION, TopicSetup.READY_TIMEOUT);
            } catch (RuntimeException e) {
                failures.add("round " + round + ": " + e.getMessage());
            }
        }
        System.out.printf("TopicSetupClusterIT: %d rounds of fresh topics in %d ms, %d failed%n", ROUNDS, millisSince(started),
                failures.size());
        assertThat(failures).as("%d of %d rounds failed", failures.size(), ROUNDS).isEmpty();
    }

    @Test
    void topicsAnOperatorCreatedJustBeforeAreWaitedFor() throws Exception {
        List<String> failures = new ArrayList<>();
        try (Admin admin = Admin.create(client)) {
            for (int round = 0; round < ROUNDS; round++) {
                String prefix = "operator" + round + "-";
                admin.createTopics(named(prefix, TopicSetup.TOPICS).stream().map(topic -> new NewTopic(topic, 3, (short) 3)).toList())
                        .all().get(30, TimeUnit.SECONDS);
                // the application starts at once: nothing to create, everything to wait for
                try {
                    TestTopicSetup.createMissing(client, named(prefix, TopicSetup.TOPICS), 3, (short) 3, TopicSetup.READY_TIMEOUT);
                    TestTopicSetup.requireRetentionCovers(client, named(prefix, TopicSetup.CONSUMED), RETENTION, TopicSetup.READY_TIMEOUT);
                } catch (RuntimeException e) {
                    failures.add("round " + round + ": " + e.getMessage());
                }
            }
        }
        assertThat(failures).as("%d of %d rounds failed", failures.size(), ROUNDS).isEmpty();
    }

    @Test
    void aTopicThatNeverBecomesKnownFailsInTimeNamingItAndTheBrokers() {
        long started = System.nanoTime();
        assertThatThrownBy(() -> TestTopicSetup.awaitKnown(client, List.of("orders", "never-created"), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("topics not known to the Kafka cluster within 2000 ms (topics.ready-timeout-ms): "
                        + "never-created (unknown to the broker that answered); brokers asked: " + cluster.bootstrapServers());
        assertThat(millisSince(started)).as("bounded by the timeout").isLessThan(10_000);

        assertThatThrownBy(() -> TestTopicSetup.requireRetentionCovers(client, List.of("never-created-either"), RETENTION,
                Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot read the topics' retention from the Kafka cluster: topics not known within 2000 ms "
                        + "(topics.ready-timeout-ms): never-created-either (unknown to the broker that answered); brokers asked: "
                        + cluster.bootstrapServers());
    }

    @Test
    void brokersThatDoNotAnswerFailInTimeNamingTheTopicsAndTheBrokers() throws Exception {
        // a stopped cluster: nothing listens where the settings point
        String nobody = "localhost:" + KafkaCluster.freePorts(1)[0];
        Map<String, Object> stopped = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, nobody);
        long started = System.nanoTime();
        assertThatThrownBy(() -> TestTopicSetup.requireRetentionCovers(stopped, List.of("orders", "inventory"), RETENTION,
                Duration.ofSeconds(3)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot read the topics' retention from the Kafka cluster: topics not known within 3000 ms "
                        + "(topics.ready-timeout-ms): inventory (TimeoutException: ")
                .hasMessageContaining("), orders (TimeoutException: ")
                .hasMessageEndingWith("; brokers asked: " + nobody);
        assertThat(millisSince(started)).as("bounded by the timeout").isLessThan(15_000);
    }

    private static List<String> named(String prefix, List<String> topics) {
        return topics.stream().map(topic -> prefix + topic).toList();
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
