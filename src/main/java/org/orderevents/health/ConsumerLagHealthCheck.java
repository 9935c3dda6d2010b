package org.orderevents.health;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.orderevents.kafka.ConsumerLag;

import java.time.Instant;
import java.util.Map;

/**
 * Two checks on the readings of {@link ConsumerLag}:
 * <ul>
 *   <li>{@code consumer-lag} (readiness): DOWN while a group's lag has stayed over {@code health.lag.max-events} for
 *       {@code health.lag.max-duration-ms}, or before the first reading. Restarting would not help, so it is not a
 *       liveness check.</li>
 *   <li>{@code consumer-progress} (liveness and readiness): DOWN while a partition has lag and its committed offset
 *       has not moved for {@code health.stuck.duration-ms}: a hung consumer, which a restart may cure.</li>
 * </ul>
 * While the lag cannot be read (broker unreachable), both keep the verdict of their last reading and add the reason as
 * the detail {@code read.error}; the broker check is DOWN then.
 */
public class ConsumerLagHealthCheck extends AbstractHealthCheck {

    private final ConsumerLag lag;
    private final boolean progress;

    private ConsumerLagHealthCheck(String id, ConsumerLag lag, boolean progress) {
        super("order-events", id);
        this.lag = lag;
        this.progress = progress;
    }

    public static ConsumerLagHealthCheck lag(ConsumerLag lag) {
        return new ConsumerLagHealthCheck("consumer-lag", lag, false);
    }

    public static ConsumerLagHealthCheck progress(ConsumerLag lag) {
        return new ConsumerLagHealthCheck("consumer-progress", lag, true);
    }

    @Override
    public boolean isLiveness() {
        return progress;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (lag.readAtMillis() > 0) {
            builder.detail("read.at", Instant.ofEpochMilli(lag.readAtMillis()).toString());
        }
        if (lag.error() != null) {
            // not UNKNOWN: Camel's health endpoint counts anything but UP as down, and a broker outage must not fail
            // liveness (kafka-broker already fails readiness). The verdict stays that of the last reading.
            builder.detail("read.error", lag.error());
            builder.message("lag not readable now (" + lag.error() + "); verdict of the reading at "
                    + Instant.ofEpochMilli(lag.readAtMillis()));
        }
        if (progress) {
            Map<ConsumerLag.Partition, Long> stuck = lag.stuck();
            stuck.forEach((partition, events) -> builder.detail("stuck." + partition, events));
            if (stuck.isEmpty()) {
                builder.up();
            } else {
                builder.down().message("no progress for " + lag.stuckMillis() + " ms with events waiting: " + stuck);
            }
        } else if (lag.readAtMillis() == 0) {
            // ready once the lag gauges exist: a scrape after ready finds every group's series
            builder.down().message(lag.error() == null ? "no reading of the consumer lag yet" : "lag not readable yet");
        } else {
            lag.lagByGroup().forEach((group, events) -> builder.detail("lag." + group, events));
            Map<String, Long> lagging = lag.lagging();
            if (lagging.isEmpty()) {
                builder.up();
            } else {
                builder.down().message("lag over " + lag.maxLag() + " events for " + lag.maxLagMillis() + " ms: " + lagging);
            }
        }
    }
}
