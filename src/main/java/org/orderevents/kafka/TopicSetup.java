package org.orderevents.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Creates the contract's topics that are missing, with the configured partitions and replication factor, and checks
 * their retention against the processed-id retention.
 *
 * <p>On a cluster of several brokers a topic just created is known to the controller before it is known to every
 * broker: a request that reaches another broker straight away can answer {@code UnknownTopicOrPartitionException}.
 * So both steps wait, at most {@code topics.ready-timeout-ms}, until the cluster knows the topics.
 */
public final class TopicSetup {

    public static final List<String> TOPICS = List.of("orders", "inventory", "orders.dlq", "inventory.dlq",
            "orders.retry", "inventory.retry");

    /** The default of {@code topics.ready-timeout-ms}. */
    public static final Duration READY_TIMEOUT = Duration.ofMillis(60_000);

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    private static final long RETRY_PAUSE_MS = 200;
    private static final int MAX_REQUEST_MS = 10_000;

    private TopicSetup() {
    }

    /** {@link #createMissing(Map, int, short, Duration)} with the default {@link #READY_TIMEOUT}. */
    public static void createMissing(Map<String, Object> clientProperties, int partitions, short replicationFactor) {
        createMissing(clientProperties, partitions, replicationFactor, READY_TIMEOUT);
    }

    /**
     * Creates the contract's topics that are missing, then waits until every one of them, created now or before (by an
     * operator, by another instance), is known to the cluster with a leader for each of its partitions; fails, naming
     * the topics and the brokers asked, if that takes longer than {@code readyTimeout}.
     */
    public static void createMissing(Map<String, Object> clientProperties, int partitions, short replicationFactor,
            Duration readyTimeout) {
        createMissing(clientProperties, TOPICS, partitions, replicationFactor, readyTimeout);
    }

    /** The same for other topics than the contract's (tests). */
    static void createMissing(Map<String, Object> clientProperties, List<String> topicNames, int partitions,
            short replicationFactor, Duration readyTimeout) {
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
            List<String> created = new ArrayList<>();
            Map<String, KafkaFuture<Void>> results = missing.isEmpty() ? Map.of() : admin.createTopics(missing).values();
            for (NewTopic topic : missing) {
                try {
                    results.get(topic.name()).get(30, TimeUnit.SECONDS);
                    created.add(topic.name());
                } catch (ExecutionException e) {
                    // another instance starting at the same time created it first, or the broker that listed the topics
                    // did not know it yet
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            if (!created.isEmpty()) {
                LOG.info("Created topics {} ({} partitions, replication factor {})", created, partitions, replicationFactor);
            }
            awaitKnown(admin, topicNames, readyTimeout, brokers(clientProperties));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the topics on " + brokers(clientProperties) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the cluster describes each topic with a leader for every partition. */
    static void awaitKnown(Admin admin, Collection<String> topics, Duration timeout, String brokers) throws InterruptedException {
        long startNanos = System.nanoTime();
        long deadline = startNanos + timeout.toNanos();
        Map<String, String> waiting = new TreeMap<>();
        topics.forEach(topic -> waiting.put(topic, "no answer yet"));
        int attempts = 0;
        while (true) {
            attempts++;
            int requestMs = requestMs(deadline);
            Map<String, KafkaFuture<TopicDescription>> answers = admin.describeTopics(
                    TopicCollection.ofTopicNames(new ArrayList<>(waiting.keySet())),
                    new DescribeTopicsOptions().timeoutMs(requestMs)).topicNameValues();
            for (Map.Entry<String, KafkaFuture<TopicDescription>> answer : answers.entrySet()) {
                String topic = answer.getKey();
                try {
                    List<Integer> leaderless = answer.getValue().get(requestMs + 1000L, TimeUnit.MILLISECONDS).partitions().stream()
                            .filter(p -> p.leader() == null || p.leader().isEmpty()).map(TopicPartitionInfo::partition).toList();
                    if (leaderless.isEmpty()) {
                        waiting.remove(topic);
                    } else {
                        waiting.put(topic, "partitions " + leaderless + " have no leader");
                    }
                } catch (ExecutionException e) {
                    waiting.put(topic, retriable(e.getCause(), "cannot describe topic " + topic + " on " + brokers));
                } catch (TimeoutException e) {
                    waiting.put(topic, "no answer within " + requestMs + " ms");
                }
            }
            if (waiting.isEmpty()) {
                if (attempts > 1) {
                    LOG.info("Topics {} known to the cluster after {} ms", topics, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
                }
                return;
            }
            pauseOrFail(deadline, "topics not known to the Kafka cluster", waiting, timeout, brokers);
        }
    }

    /** The topics whose records the services consume, and so may get again until the broker deletes them. */
    public static final List<String> CONSUMED = List.of("orders", "inventory", "orders.retry", "inventory.retry");

    /** {@link #requireRetentionCovers(Map, Duration, Duration)} with the default {@link #READY_TIMEOUT}. */
    public static void requireRetentionCovers(Map<String, Object> clientProperties, Duration idRetention) {
        requireRetentionCovers(clientProperties, idRetention, READY_TIMEOUT);
    }

    /**
     * Refuses a processed-id retention shorter than a consumed topic can redeliver a record: a record lives until its
     * whole segment is past retention.ms, so up to retention.ms + segment.ms. Read from the broker (the topic's own
     * setting, or the broker's default); a topic the broker that answers does not know yet is asked again until
     * {@code readyTimeout} has passed.
     */
    public static void requireRetentionCovers(Map<String, Object> clientProperties, Duration idRetention, Duration readyTimeout) {
        requireRetentionCovers(clientProperties, CONSUMED, idRetention, readyTimeout);
    }

    /** The same for other topics than the contract's (tests). */
    static void requireRetentionCovers(Map<String, Object> clientProperties, List<String> consumed, Duration idRetention,
            Duration readyTimeout) {
        Properties properties = new Properties();
        properties.putAll(clientProperties);
        try (Admin admin = Admin.create(properties)) {
            List<ConfigResource> topics = consumed.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            Map<ConfigResource, Config> configs = describeConfigs(admin, topics, readyTimeout, brokers(clientProperties));
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Each topic's configuration, asking again for those the answering broker does not know yet. */
    private static Map<ConfigResource, Config> describeConfigs(Admin admin, List<ConfigResource> topics, Duration timeout,
            String brokers) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<ConfigResource, Config> found = new HashMap<>();
        Map<String, String> waiting = new TreeMap<>();
        topics.forEach(topic -> waiting.put(topic.name(), "no answer yet"));
        while (true) {
            int requestMs = requestMs(deadline);
            List<ConfigResource> asked = topics.stream().filter(topic -> waiting.containsKey(topic.name())).toList();
            Map<ConfigResource, KafkaFuture<Config>> answers = admin.describeConfigs(asked,
                    new DescribeConfigsOptions().timeoutMs(requestMs)).values();
            for (Map.Entry<ConfigResource, KafkaFuture<Config>> answer : answers.entrySet()) {
                String topic = answer.getKey().name();
                try {
                    found.put(answer.getKey(), answer.getValue().get(requestMs + 1000L, TimeUnit.MILLISECONDS));
                    waiting.remove(topic);
                } catch (ExecutionException e) {
                    waiting.put(topic, retriable(e.getCause(), "cannot read the retention of topic " + topic + " from " + brokers));
                } catch (TimeoutException e) {
                    waiting.put(topic, "no answer within " + requestMs + " ms");
                }
            }
            if (waiting.isEmpty()) {
                return found;
            }
            pauseOrFail(deadline, "cannot read the topics' retention from the Kafka cluster: topics not known", waiting, timeout, brokers);
        }
    }

    /** Why a topic is still waited for, if the error may pass (a broker not up to date, a timeout); else fails. */
    private static String retriable(Throwable cause, String failure) {
        if (cause instanceof UnknownTopicOrPartitionException) {
            return "unknown to the broker that answered";
        }
        if (cause instanceof RetriableException) {
            return cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        throw new IllegalStateException(failure + ": " + describe(cause), cause);
    }

    private static void pauseOrFail(long deadline, String what, Map<String, String> waiting, Duration timeout, String brokers) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new IllegalStateException(what + " within " + timeout.toMillis() + " ms (topics.ready-timeout-ms): "
                    + waiting.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", "))
                    + "; brokers asked: " + brokers);
        }
        LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(RETRY_PAUSE_MS)));
    }

    /** One request's timeout: what is left until the deadline, at least 1 s, at most 10 s. */
    private static int requestMs(long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return (int) Math.max(1_000, Math.min(MAX_REQUEST_MS, left));
    }

    /** The bootstrap servers, as the settings give them (a list or a comma-separated string). */
    private static String brokers(Map<String, Object> clientProperties) {
        Object servers = clientProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        return servers instanceof Collection<?> list ? list.stream().map(String::valueOf).collect(Collectors.joining(","))
                : String.valueOf(servers);
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
