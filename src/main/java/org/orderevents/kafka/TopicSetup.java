package org.orderevents.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
            List<NewTopic> missing = TOPICS.stream().filter(topic -> !existing.contains(topic))
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

    /** The message and the root cause's, which is where Kafka says what is wrong (a missing JAAS entry, say). */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.getMessage() : e.getMessage() + ": " + root.getMessage();
    }
}
