package org.orderevents.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.ExchangeCompletedEvent;
import org.apache.camel.support.EventNotifierSupport;

import java.util.List;
import java.util.function.Supplier;

/**
 * The services' counters on /observe/metrics, beside Camel's own per-route figures (exchanges, failures, processing
 * time). {@code service} is the consumer group of the route the event came from:
 * <ul>
 *   <li>{@code order_events_processed_total{service}}: events whose effect committed</li>
 *   <li>{@code order_events_skipped_total{service, reason}}: {@code duplicate} (already processed) or
 *       {@code unhandled} (an event type the service does not act on)</li>
 *   <li>{@code order_events_dead_lettered_total{service, topic}}: events written to a dead-letter topic</li>
 *   <li>{@code order_events_retries_total{service}}: redelivery attempts of the dead letter channel</li>
 *   <li>{@code order_events_replayed_total{topic}}: dead letters sent back by POST /dlq/replay</li>
 * </ul>
 * A per-event route is counted when its exchange completes (this class is an event notifier); a batch route counts its
 * own events, as it alone knows each one's outcome.
 */
public class EventMetrics extends EventNotifierSupport {

    /** Exchange property: the idempotent repository found the event already processed. */
    public static final String DUPLICATE = "orderEvents.duplicate";
    /** Property of an event parked behind its key's head on this topic's retry topic (counted when parked). */
    public static final String PARKED = "orderEvents.parked";
    /** Property of a failed exchange: the attempts made, for its dead letter. */
    public static final String ATTEMPTS_PROPERTY = "orderEvents.attempts";
    private static final String UNHANDLED = "orderEvents.unhandled";
    private static final String ATTEMPTS = ATTEMPTS_PROPERTY;

    private final CamelContext context;
    private volatile MeterRegistry registry;

    public EventMetrics(CamelContext context) {
        this.context = context;
    }

    /** Route step for an event type the service does not handle: skipped and counted, not dead-lettered. */
    public void unhandled(Exchange exchange) {
        exchange.setProperty(UNHANDLED, true);
    }

    /** Counts the outcome of an event whose transaction committed: processed, or skipped as a duplicate or unhandled. */
    public void committed(String service, Exchange event) {
        if (event.getProperty(PARKED) != null) {
            parked(service, event.getProperty(PARKED, String.class));
        } else if (event.getProperty(UNHANDLED) != null) {
            skipped(service, "unhandled", 1);
        } else if (event.getProperty(DUPLICATE) != null) {
            skipped(service, "duplicate", 1);
        } else {
            processed(service, 1);
        }
    }

    public void processed(String service, int events) {
        if (events > 0) {
            registry().counter("order_events_processed", "service", service).increment(events);
        }
    }

    public void skipped(String service, String reason, int events) {
        if (events > 0) {
            registry().counter("order_events_skipped", "service", service, "reason", reason).increment(events);
        }
    }

    public void deadLettered(String service, String topic) {
        registry().counter("order_events_dead_lettered", "service", service, "topic", topic).increment();
    }

    /** An event parked on the topic's retry topic: its first failure, or behind its key's head. */
    public void parked(String service, String topic) {
        registry().counter("order_events_parked", "service", service, "topic", topic).increment();
    }

    /** A parked event is done with: processed or dead-lettered. */
    public void parkedDone(String service, String topic) {
        registry().counter("order_events_unparked", "service", service, "topic", topic).increment();
    }

    /** A parked event is tried again (a retry from its retry topic). */
    public void retried(String service) {
        registry().counter("order_events_retries", "service", service).increment();
    }

    /** A status change the order's lifecycle does not allow, refused by the group. */
    public void refused(String service, String from, String to) {
        registry().counter("order_events_lifecycle_refused", "service", service, "from", from, "to", to).increment();
    }

    /** Records the event outbox's relay published. */
    public void published(int records) {
        registry().counter("order_events_outbox_published").increment(records);
    }

    /** Events a reprocess of the service ran through its event route again. */
    public void reprocessed(String service, int events) {
        registry().counter("order_events_reprocessed", "service", service).increment(events);
    }

    public void replayed(String topic) {
        registry().counter("order_events_replayed", "topic", topic).increment();
    }

    /**
     * A gauge read at each scrape, with its labels (name, value, ...); false, and nothing registered, while camel-main
     * has not made its registry yet (a gauge in the global registry would never be scraped).
     */
    public boolean gauge(String name, String description, Supplier<Number> value, String... labels) {
        MeterRegistry scraped = registry();
        if (scraped == Metrics.globalRegistry) {
            return false;
        }
        Gauge.builder(name, value).description(description).tags(labels).register(scraped);
        return true;
    }

    /**
     * The dead letter channel's on-redelivery processor: counts the retry, and remembers the attempt count for the
     * dead letter, because Camel removes its redelivery headers before the exchange reaches the dead letter endpoint.
     */
    public Processor countAttempts() {
        return exchange -> {
            exchange.setProperty(ATTEMPTS, 1 + exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
            registry().counter("order_events_retries", "service", service(exchange)).increment();
        };
    }

    /** Attempts made on a failed exchange: 1 plus its retries. */
    public static int attempts(Exchange failed) {
        return failed.getProperty(ATTEMPTS, 1, Integer.class);
    }

    /** The consumer group of the route the exchange came from; the route id where it came from elsewhere. */
    public static String service(Exchange exchange) {
        return exchange.getFromEndpoint() instanceof KafkaEndpoint kafka ? kafka.getConfiguration().getGroupId()
                : String.valueOf(exchange.getFromRouteId());
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof ExchangeCompletedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        Exchange exchange = ((ExchangeCompletedEvent) event).getExchange();
        // only the exchanges of consumer routes (a producer's exchange has a Kafka endpoint too, but no route)
        if (exchange.getFromRouteId() == null || !(exchange.getFromEndpoint() instanceof KafkaEndpoint kafka)
                || kafka.getConfiguration().getGroupId() == null || kafka.getConfiguration().isBatching()
                || exchange.getMessage().getBody() instanceof List) {
            return;
        }
        if (exchange.isFailed() || exchange.getProperty(Exchange.EXCEPTION_CAUGHT) != null) {
            // failed: polled again; dead-lettered: counted where that happened
            return;
        }
        committed(kafka.getConfiguration().getGroupId(), exchange);
    }

    private MeterRegistry registry() {
        if (registry == null) {
            MeterRegistry found = context.getRegistry().findSingleByType(MeterRegistry.class);
            if (found == null) {
                // before camel-main has made its registry (at start-up): not remembered, so later meters go to it
                return Metrics.globalRegistry;
            }
            registry = found;
        }
        return registry;
    }
}
