package org.orderevents.wiring;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.orderevents.Service;
import org.orderevents.db.ProcessedEvents;
import org.orderevents.deadletter.DeadLetters;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.order.OrderBook;

import java.time.Duration;

/**
 * What a service's beans are made from: the context, the settings, and the parts every process has. A service binds its
 * beans here under the names its route files use ({@link Service#beans()}).
 */
public final class Wiring {

    private final CamelContext context;
    private final Settings settings;
    private final HikariDataSource dataSource;
    private final EventMetrics metrics;
    private final DeadLetters deadLetters;
    private final Duration idRetention;

    Wiring(CamelContext context, Settings settings, HikariDataSource dataSource, EventMetrics metrics, DeadLetters deadLetters,
            Duration idRetention) {
        this.context = context;
        this.settings = settings;
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.idRetention = idRetention;
    }

    public CamelContext context() {
        return context;
    }

    public Settings settings() {
        return settings;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    public EventMetrics metrics() {
        return metrics;
    }

    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /** How long processed ids are kept ({@code processed-events.retention}). */
    public Duration idRetention() {
        return idRetention;
    }

    public Registry registry() {
        return context.getRegistry();
    }

    /** Binds the bean under the name a route file calls it by. */
    public <T> T bind(String name, T bean) {
        registry().bind(name, bean);
        return bean;
    }

    /** The orders table's one bean, shared by the API and order-service when one process runs both. */
    public OrderBook orderBook() {
        OrderBook book = registry().lookupByNameAndType("orderBook", OrderBook.class);
        return book != null ? book : bind("orderBook", new OrderBook(dataSource, metrics));
    }

    /**
     * A consuming service's idempotent repository, its processor name the service's group, bound as
     * {@link Service#repositoryBean()} ({@code processedByEmailService}), the name its event route gives it.
     */
    ProcessedEvents repository(Service service) {
        return bind(service.repositoryBean(), new ProcessedEvents(dataSource, service.id()));
    }
}
