package benchmark;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** What the benchmark asks of the broker through an Admin client: offsets, lag, topics and groups made afresh. */
final class Cluster implements AutoCloseable {

    static final int PARTITIONS = 3;
    /** The services' groups and the topics each one reads. */
    static final Map<String, List<String>> GROUPS = Map.of("email-service", List.of("orders"),
            "inventory-service", List.of("orders"), "analytics-service", List.of("orders"),
            "order-service", List.of("orders", "inventory"));

    private final Admin admin;

    Cluster(String brokers) {
        admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers));
    }

    /** The sum of the end offsets of the topic's partitions (the topics here are never compacted or truncated). */
    long end(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream().mapToLong(info -> info.offset()).sum();
    }

    /** The sum of the group's committed offsets on the topic. */
    long committed(String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    /**
     * Events per second of the groups on {@code records} events: from the first poll (every 100 ms) that sees any of
     * them commit an offset, until each group's committed offsets equal the end offsets of every topic it reads and
     * the topics have reached {@code ends} (the events the services publish themselves). The events committed at the
     * first sighting (c0, the least over the groups) are not counted: rate = (records - c0) / elapsed. The second
     * figure counts only the second half: from the first poll that sees every group past half the records, when the
     * application's JVM has compiled its hot code (a run of 100,000 events spends seconds of its two cores in the JIT
     * compiler; baseline A runs in the benchmark's JVM, warm from the runs before).
     */
    Drained drain(AppRun app, List<String> groups, long records, Map<String, Long> ends, Duration timeout) throws Exception {
        return drain(app, groups, records, ends, () -> true, timeout);
    }

    /** The same, and also until {@code settled} says the work the run owes beyond its offsets is done (checked last). */
    Drained drain(AppRun app, List<String> groups, long records, Map<String, Long> ends, Callable<Boolean> settled,
                  Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long startNanos = 0;
        long startCommitted = 0;
        long halfNanos = 0;
        long halfCommitted = 0;
        while (true) {
            if (!app.isAlive()) {
                throw new IllegalStateException("the application exited during the run");
            }
            Map<String, Long> committed = new HashMap<>();
            for (String group : groups) {
                committed.put(group, committed(group, "orders"));
            }
            long now = System.nanoTime();
            long least = committed.values().stream().mapToLong(Long::longValue).min().orElse(0);
            if (startNanos == 0 && committed.values().stream().anyMatch(c -> c > 0)) {
                startNanos = now;
                startCommitted = least;
            }
            if (halfNanos == 0 && least >= records / 2) {
                halfNanos = now;
                halfCommitted = least;
            }
            if (startNanos != 0 && drained(groups, committed, ends) && settled.call()) {
                double rate = (records - startCommitted) / ((now - startNanos) / 1e9);
                return new Drained(rate, now > halfNanos ? (records - halfCommitted) / ((now - halfNanos) / 1e9) : rate);
            }
            if (now > deadline) {
                throw new IllegalStateException("not drained within " + timeout + ": committed on orders " + committed
                        + " of " + end("orders"));
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    /** Events per second over the whole run, and over its second half. */
    record Drained(double rate, double secondHalf) {
    }

    private boolean drained(List<String> groups, Map<String, Long> committedOnOrders, Map<String, Long> ends) throws Exception {
        for (Map.Entry<String, Long> expected : ends.entrySet()) {
            if (end(expected.getKey()) < expected.getValue()) {
                return false;
            }
        }
        for (String group : groups) {
            for (String topic : GROUPS.get(group)) {
                long committed = topic.equals("orders") ? committedOnOrders.get(group) : committed(group, topic);
                if (committed < end(topic)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Waits until each group is stable with its members, every member with partitions (the rebalances are over). */
    void awaitStable(Map<String, Integer> members) throws Exception {
        until("the groups " + members.keySet() + " stable", Duration.ofSeconds(120), () -> {
            for (ConsumerGroupDescription group : admin.describeConsumerGroups(members.keySet()).all().get(10, TimeUnit.SECONDS).values()) {
                if (group.state() != ConsumerGroupState.STABLE || group.members().size() != members.get(group.groupId())
                        || group.members().stream().anyMatch(m -> m.assignment().topicPartitions().isEmpty())) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Deletes the services' groups, so that the next run starts from the beginning of the topics. */
    void deleteServiceGroups() throws Exception {
        until("the service groups deleted (no member left)", Duration.ofSeconds(90), () -> {
            try {
                admin.deleteConsumerGroups(GROUPS.keySet()).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    return false;
                }
                // one group not found fails the whole call: delete them one by one
                for (String group : GROUPS.keySet()) {
                    try {
                        admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException notThere) {
                        if (!(notThere.getCause() instanceof GroupIdNotFoundException)) {
                            return false;
                        }
                    }
                }
            }
            return true;
        });
    }

    /**
     * Deletes the topic and its retry topic and creates them again, empty, with 3 partitions: a parked copy names its
     * record by partition and offset, which the new topic gives again.
     */
    void recreate(String topic) throws Exception {
        recreateOne(topic);
        recreateOne(topic + ".retry");
    }

    private void recreateOne(String topic) throws Exception {
        try {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw e;
            }
        }
        until("topic " + topic + " created again", Duration.ofSeconds(60), () -> {
            try {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return false; // still being deleted
                }
                throw e;
            }
        });
        until("topic " + topic + " ready", Duration.ofSeconds(60), () -> end(topic) == 0);
    }

    private static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.call()) {
                    return;
                }
            } catch (ExecutionException e) {
                last = e;
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what, last);
    }

    @Override
    public void close() {
        admin.close();
    }
}
