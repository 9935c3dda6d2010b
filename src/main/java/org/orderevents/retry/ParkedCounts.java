package org.orderevents.retry;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.orderevents.kafka.PeriodicReading;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What is parked, read from {@link ParkedEvents} every {@code lag.interval-ms}: the gauges
 * {@code order_events_parked_events{group, topic}} and {@code order_events_parked_keys{group, topic}}, and the health
 * check {@code parked-events}, which stays UP (a parked key holds back only itself) but says which groups have held a
 * key back for longer than {@code retry.parked-warning-ms}, and logs it.
 */
public class ParkedCounts extends PeriodicReading {

    private static final Logger LOG = LoggerFactory.getLogger(ParkedCounts.class);

    private final ParkedEvents parked;
    private final EventMetrics metrics;
    private final long warningMs;
    private final Map<String, ParkedEvents.Count> counts = new ConcurrentHashMap<>();
    private volatile String error;
    private volatile Map<String, Long> overdue = Map.of();
    private final Supplier<Map<String, Set<String>>> groups;

    /** groups: each consumer group of the routes, with the topics it reads (its gauges start at 0). */
    public ParkedCounts(CamelContext context, ParkedEvents parked, EventMetrics metrics, long intervalMs, long warningMs,
            Supplier<Map<String, Set<String>>> groups) {
        super(context, "parked-counts", intervalMs);
        this.groups = groups;
        this.parked = parked;
        this.metrics = metrics;
        this.warningMs = warningMs;
    }

    /** Reads the counts now (the timer does it every interval). */
    @Override
    public void read() {
        try {
            Map<String, ParkedEvents.Count> found = new TreeMap<>();
            long now = System.currentTimeMillis();
            groups.get().forEach((group, topics) -> topics.stream().filter(topic -> !RetryTopics.isRetryTopic(topic))
                    .forEach(topic -> found.put(group + "/" + topic, new ParkedEvents.Count(group, topic, 0, 0, now))));
            for (ParkedEvents.Count count : parked.counts()) {
                found.put(count.group() + "/" + count.topic(), count);
            }
            Map<String, Long> late = new TreeMap<>();
            found.forEach((name, count) -> {
                if (!counts.containsKey(name)) {
                    metrics.gauge("order_events_parked_events", "Records the group has parked on the topic's retry topic",
                            () -> countOf(name).records(), "group", count.group(), "topic", count.topic());
                    metrics.gauge("order_events_parked_keys", "Keys the group holds back on the topic", () -> countOf(name).keys(),
                            "group", count.group(), "topic", count.topic());
                }
                if (count.records() > 0 && now - count.oldestMillis() > warningMs) {
                    late.put(name, (now - count.oldestMillis()) / 1000);
                }
            });
            counts.replaceAll((name, count) -> found.getOrDefault(name,
                    new ParkedEvents.Count(count.group(), count.topic(), 0, 0, now)));
            counts.putAll(found);
            if (!late.isEmpty() && !late.keySet().equals(overdue.keySet())) {
                LOG.warn("Keys parked for longer than {} s (group/topic: seconds): {}", warningMs / 1000, late);
            }
            overdue = late;
            error = null;
        } catch (SQLException | RuntimeException e) {
            error = e.getMessage();
        }
    }

    private ParkedEvents.Count countOf(String name) {
        return counts.get(name);
    }

    /** Records parked now per group/topic, as last read. */
    public Map<String, Long> records() {
        Map<String, Long> records = new TreeMap<>();
        counts.forEach((name, count) -> records.put(name, count.records()));
        return records;
    }

    /** The health check {@code parked-events}: readiness, UP, with the counts and the keys parked too long. */
    public AbstractHealthCheck healthCheck() {
        return new AbstractHealthCheck("order-events", "parked-events") {
            @Override
            public boolean isLiveness() {
                return false;
            }

            @Override
            protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                records().forEach((name, records) -> builder.detail("parked." + name, records));
                if (error != null) {
                    builder.detail("read.error", error);
                }
                if (!overdue.isEmpty()) {
                    builder.detail("parked.longer.than.ms", warningMs);
                    builder.message("warning: keys parked for longer than " + warningMs / 1000 + " s (group/topic: seconds "
                            + "since the oldest was parked): " + overdue);
                }
                builder.up();
            }
        };
    }
}
