package org.orderevents.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the contract's topics that are missing, with the configured partitions and replication factor. */
public final class TopicSetup {

    public static final List<String> TOPICS = List.of("orders", "inventory", "orders.dlq", "inventory.dlq",
            "orders.retry", "inventory.retry");

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {
    }

    public static void createMissing(Map<String, Object> clientProperties, int partitions, short replicationFactor) {
        createMissing(clientProperties, TOPICS, partitions, replicationFactor);
    }

    /** The same for other topics than the contract's (tests). */
    static void createMissing(Map<String, Object> clientProperties, List<String> topicNames, int partitions, short replicationFactor) {
        Properties properties = new Properties();
        properties.putAll(clientProperties);
        properties.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        Admin client;
        try {
            client = Admin.create(properties);
        } catch (KafkaException e) {
            // a wrong security setting: the client refuses it before any connection
            throw new IllegalStateException("the Kafka client settings (camel.component.kafka.*) are not valid: " + describe(e), e);
        }
        try (Admin admin = client) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topicNames.stream().filter(topic -> !existing.contains(topic))
                    .map(topic -> new NewTopic(topic, partitions, replicationFactor)).toList();
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // another instance starting at the same time created it first
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            LOG.info("Created topics {} ({} partitions, replication factor {})",
                    missing.stream().map(NewTopic::name).toList(), partitions, replicationFactor);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the topics on " + clientProperties.get(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The topics whose records the services consume, and so may get again until the broker deletes them. */
    public static final List<String> CONSUMED = List.of("orders", "inventory", "orders.retry", "inventory.retry");

    /**
     * Refuses a processed-id retention shorter than a consumed topic can redeliver a record: a record lives until its
     * whole segment is past retention.ms, so up to retention.ms + segment.ms. Read from the broker (the topic's own
     * setting, or the broker's default).
     */
    public static void requireRetentionCovers(Map<String, Object> clientProperties, Duration idRetention) {
        requireRetentionCovers(clientProperties, CONSUMED, idRetention);
    }

    /** The same for other topics than the contract's (tests). */
    static void requireRetentionCovers(Map<String, Object> clientProperties, List<String> consumed, Duration idRetention) {
        Properties properties = new Properties();
        properties.putAll(clientProperties);
        try (Admin admin = Admin.create(properties)) {
            List<ConfigResource> topics = consumed.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(topics).all().get(30, TimeUnit.SECONDS);
            List<String> longer = new ArrayList<>();
            Duration needed = Duration.ZERO;
            for (ConfigResource topic : topics) {
                long retentionMs = Long.parseLong(configs.get(topic).get(TopicConfig.RETENTION_MS_CONFIG).value());
                long segmentMs = Long.parseLong(configs.get(topic).get(TopicConfig.SEGMENT_MS_CONFIG).value());
                if (retentionMs < 0) {
                    longer.add(topic.name() + " keeps its records forever (retention.ms -1)");
                    continue;
                }
                Duration redelivery = Duration.ofMillis(retentionMs + segmentMs);
                if (redelivery.compareTo(idRetention) > 0) {
                    longer.add(topic.name() + ": retention.ms " + retentionMs + " (" + Duration.ofMillis(retentionMs) + ") + segment.ms "
                            + segmentMs + " (" + Duration.ofMillis(segmentMs) + ") = " + redelivery);
                    needed = needed.compareTo(redelivery) < 0 ? redelivery : needed;
                }
            }
            if (!longer.isEmpty()) {
                throw new IllegalStateException("processed-events.retention " + idRetention + " is shorter than the topics can "
                        + "redeliver a record, so a redelivered event would be processed twice: " + String.join("; ", longer)
                        + (needed.isZero() ? "; give those topics a finite retention.ms"
                        : "; set processed-events.retention to at least " + needed));
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the topics' retention from the broker: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The message and the root cause's, which is where Kafka says what is wrong (a missing JAAS entry, say). */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.getMessage() : e.getMessage() + ": " + root.getMessage();
    }
}
