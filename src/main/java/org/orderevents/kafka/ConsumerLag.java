package org.orderevents.kafka;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Consumer lag, which Camel does not report: every {@code lag.interval-ms} it reads, with an admin client, the committed
 * offset of each consumer group of the application's Kafka routes and the end offset of each partition they read.
 * <ul>
 *   <li>gauge {@code order_events_consumer_lag{group, topic, partition}}: end offset minus committed offset</li>
 *   <li>{@link #lagging()}: the groups whose lag has stayed over {@code health.lag.max-events} for
 *       {@code health.lag.max-duration-ms}</li>
 *   <li>{@link #stuck()}: the partitions that have lag and whose committed offset has not moved for
 *       {@code health.stuck.duration-ms} (a consumer that hangs, or keeps failing on one event)</li>
 * </ul>
 * The lag is the group's, whichever instance reads it: every instance of a group reports the same figures. The first
 * reading is made as soon as the context has started, so the gauges are there from the first scrape after ready.
 */
public class ConsumerLag extends PeriodicReading {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerLag.class);
    private static final int TIMEOUT_MS = 5_000;

    /** One partition of a topic that a group reads. */
    public record Partition(String group, String topic, int partition) implements Comparable<Partition> {
        @Override
        public int compareTo(Partition other) {
            return toString().compareTo(other.toString());
        }

        @Override
        public String toString() {
            return group + ":" + topic + "-" + partition;
        }
    }

    /** What one reading found for a partition. */
    public record Reading(long committed, long end) {
        public long lag() {
            return Math.max(0, end - committed);
        }
    }

    /** How long a partition has been in its state: its committed offset since when it last moved. */
    private record Progress(long committed, long sinceMillis) {
    }

    private final CamelContext context;
    private final EventMetrics metrics;
    private final long maxLag;
    private final long maxLagMillis;
    private final long stuckMillis;

    private final Map<Partition, Reading> readings = new ConcurrentHashMap<>();
    private final Map<String, Long> overSince = new ConcurrentHashMap<>();
    private final Map<Partition, Progress> progress = new ConcurrentHashMap<>();
    private volatile long readAtMillis;
    private volatile String error;
    /** The reading before failed with an error that passes by itself; a second one in a row is logged. */
    private boolean retriedOnce;
    /** This failure has been logged once; the next is logged after a reading succeeds. */
    private boolean warned;
    private Admin admin;

    public ConsumerLag(CamelContext context, EventMetrics metrics, long intervalMs, long maxLag, long maxLagMillis,
            long stuckMillis) {
        super(context, "consumer-lag", intervalMs);
        this.context = context;
        this.metrics = metrics;
        this.maxLag = maxLag;
        this.maxLagMillis = maxLagMillis;
        this.stuckMillis = stuckMillis;
    }

    @Override
    protected void doStop() {
        super.doStop();
        if (admin != null) {
            admin.close();
            admin = null;
        }
    }

    /** The groups of the application's Kafka consumer routes, with the topics each reads. */
    public Map<String, Set<String>> groups() {
        Map<String, Set<String>> groups = new TreeMap<>();
        for (Route route : context.getRoutes()) {
            if (route.getEndpoint() instanceof KafkaEndpoint kafka && kafka.getConfiguration().getGroupId() != null) {
                for (String topic : kafka.getConfiguration().getTopic().split(",")) {
                    groups.computeIfAbsent(kafka.getConfiguration().getGroupId(), g -> new TreeSet<>()).add(topic.trim());
                }
            }
        }
        return groups;
    }

    @Override
    protected void read() {
        try {
            update(readAll(), System.currentTimeMillis());
            error = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            String message = e.getCause() != null ? e.getCause().toString() : e.toString();
            if (e.getCause() instanceof RetriableException && !retriedOnce) {
                // a broker whose metadata has not caught up yet (a first start on a fresh cluster): the next reading asks again
                retriedOnce = true;
                LOG.debug("The consumer lag is read again at the next reading: {}", message);
            } else if (!warned) {
                warned = true;
                LOG.warn("Cannot read the consumer lag: {}", message);
            }
            error = message;
            return;
        }
        retriedOnce = false;
        warned = false;
    }

    private Map<Partition, Reading> readAll() throws Exception {
        Map<String, Set<String>> groups = groups();
        Set<String> topics = new TreeSet<>();
        groups.values().forEach(topics::addAll);
        if (topics.isEmpty()) {
            return Map.of();
        }
        Admin client = admin();
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDescription topic : client.describeTopics(topics).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).values()) {
            topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        partitions.forEach(p -> {
            latest.put(p, OffsetSpec.latest());
            earliest.put(p, OffsetSpec.earliest());
        });
        Map<TopicPartition, ListOffsetsResultInfo> ends = client.listOffsets(latest).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<TopicPartition, ListOffsetsResultInfo> starts = null;
        Map<Partition, Reading> found = new HashMap<>();
        for (Map.Entry<String, Set<String>> group : groups.entrySet()) {
            Map<TopicPartition, OffsetAndMetadata> committed = client.listConsumerGroupOffsets(group.getKey())
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            for (TopicPartition partition : partitions) {
                if (!group.getValue().contains(partition.topic())) {
                    continue;
                }
                OffsetAndMetadata offset = committed.get(partition);
                long position;
                if (offset != null) {
                    position = offset.offset();
                } else {
                    // nothing committed yet: the group starts at the earliest offset kept (auto-offset-reset=earliest)
                    if (starts == null) {
                        starts = client.listOffsets(earliest).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    }
                    position = starts.get(partition).offset();
                }
                found.put(new Partition(group.getKey(), partition.topic(), partition.partition()),
                        new Reading(position, ends.get(partition).offset()));
            }
        }
        return found;
    }

    /** Takes a reading made at {@code nowMillis}: the gauges, and how long each group and partition has been behind. */
    void update(Map<Partition, Reading> found, long nowMillis) {
        Map<String, Long> lagOfGroup = new HashMap<>();
        for (Map.Entry<Partition, Reading> entry : found.entrySet()) {
            Partition partition = entry.getKey();
            Reading reading = entry.getValue();
            if (!readings.containsKey(partition) && !metrics.gauge("order_events_consumer_lag",
                    "Events of the partition the consumer group has not committed yet", () -> readings.get(partition).lag(),
                    "group", partition.group(), "topic", partition.topic(), "partition", String.valueOf(partition.partition()))) {
                // no registry to scrape yet: not a reading, so readiness waits for the next one, whose gauges are scraped
                return;
            }
            readings.put(partition, reading);
            lagOfGroup.merge(partition.group(), reading.lag(), Long::sum);
            Progress before = progress.get(partition);
            if (reading.lag() == 0 || before == null || before.committed() != reading.committed()) {
                progress.put(partition, new Progress(reading.committed(), nowMillis));
            }
        }
        lagOfGroup.forEach((group, lag) -> {
            if (lag > maxLag) {
                overSince.putIfAbsent(group, nowMillis);
            } else {
                overSince.remove(group);
            }
        });
        readAtMillis = nowMillis;
    }

    /** Each group's lag now (sum over its partitions). */
    public Map<String, Long> lagByGroup() {
        Map<String, Long> lag = new TreeMap<>();
        readings.forEach((partition, reading) -> lag.merge(partition.group(), reading.lag(), Long::sum));
        return lag;
    }

    /** Group → lag, for the groups over the threshold for longer than allowed. */
    public Map<String, Long> lagging() {
        return lagging(readAtMillis);
    }

    Map<String, Long> lagging(long nowMillis) {
        Map<String, Long> lag = lagByGroup();
        Map<String, Long> lagging = new TreeMap<>();
        overSince.forEach((group, since) -> {
            if (nowMillis - since >= maxLagMillis) {
                lagging.put(group, lag.getOrDefault(group, 0L));
            }
        });
        return lagging;
    }

    /** Partition → lag, for the partitions with lag whose committed offset has not moved for longer than allowed. */
    public Map<Partition, Long> stuck() {
        return stuck(readAtMillis);
    }

    Map<Partition, Long> stuck(long nowMillis) {
        Map<Partition, Long> stuck = new TreeMap<>();
        progress.forEach((partition, state) -> {
            Reading reading = readings.get(partition);
            if (reading != null && reading.lag() > 0 && nowMillis - state.sinceMillis() >= stuckMillis) {
                stuck.put(partition, reading.lag());
            }
        });
        return stuck;
    }

    /** When the last good reading was made (0: none yet). */
    public long readAtMillis() {
        return readAtMillis;
    }

    /** Why the last reading failed; null when it did not. */
    public String error() {
        return error;
    }

    public long maxLag() {
        return maxLag;
    }

    public long maxLagMillis() {
        return maxLagMillis;
    }

    public long stuckMillis() {
        return stuckMillis;
    }

    private Admin admin() {
        if (admin == null) {
            admin = KafkaClients.admin(context, "order-events-lag", TIMEOUT_MS);
        }
        return admin;
    }
}
