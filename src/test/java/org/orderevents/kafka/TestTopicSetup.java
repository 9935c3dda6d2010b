package org.orderevents.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@link TopicSetup} on topics of a test's own instead of the contract's, for tests in other packages (the cluster
 * tests): the same steps, so that one cluster can serve several rounds of fresh topics.
 */
public final class TestTopicSetup {

    private TestTopicSetup() {
    }

    public static void createMissing(Map<String, Object> client, List<String> topics, int partitions, short replicationFactor,
            Duration readyTimeout) {
        TopicSetup.createMissing(client, topics, partitions, replicationFactor, readyTimeout);
    }

    public static void requireRetentionCovers(Map<String, Object> client, List<String> consumed, Duration idRetention,
            Duration readyTimeout) {
        TopicSetup.requireRetentionCovers(client, consumed, idRetention, readyTimeout);
    }

    /** Only the wait of {@link TopicSetup#createMissing}: for topics that nothing creates. */
    public static void awaitKnown(Map<String, Object> client, List<String> topics, Duration readyTimeout)
            throws InterruptedException {
        Properties properties = new Properties();
        properties.putAll(client);
        try (Admin admin = Admin.create(properties)) {
            TopicSetup.awaitKnown(admin, topics, readyTimeout, String.valueOf(client.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)));
        }
    }
}
