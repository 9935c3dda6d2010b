package org.orderevents.wiring;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.Registry;
import org.orderevents.Service;
import org.orderevents.Services;
import org.orderevents.api.HttpProblems;
import org.orderevents.batch.EventBatch;
import org.orderevents.db.DatabaseOutage;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.Retention;
import org.orderevents.deadletter.DeadLetters;
import org.orderevents.event.EventCodec;
import org.orderevents.health.BrokerHealthCheck;
import org.orderevents.health.ConsumerLagHealthCheck;
import org.orderevents.health.DatabaseHealthCheck;
import org.orderevents.kafka.ConsumerLag;
import org.orderevents.kafka.TopicProducers;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.outbox.EventOutbox;
import org.orderevents.reprocess.ReprocessProgress;
import org.orderevents.reprocess.ReprocessRuns;
import org.orderevents.reprocess.ReprocessWorker;
import org.orderevents.retry.InPlaceRetries;
import org.orderevents.retry.ParkedCounts;
import org.orderevents.retry.RetryPolicy;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

import static org.orderevents.wiring.Infrastructure.stopping;

/**
 * The beans a process has whatever services it runs (metrics, the dead letter channel, the HTTP error reports, the event
 * codec), those its services share (the batch engine for consumers, the event outbox for publishers), the purge of
 * processed ids and the health checks.
 */
final class SharedBeans {

    private SharedBeans() {
    }

    static Wiring bind(CamelContext context, Settings settings, Services services, HikariDataSource dataSource, Duration idRetention)
            throws Exception {
        Registry registry = context.getRegistry();
        EventMetrics metrics = new EventMetrics(context);
        context.getManagementStrategy().addEventNotifier(metrics);
        registry.bind("eventMetrics", metrics);
        registry.bind("countAttempts", metrics.countAttempts());
        DeadLetters deadLetters = new DeadLetters(context.createProducerTemplate(), metrics);
        registry.bind("deadLetters", deadLetters);
        registry.bind("httpProblems", new HttpProblems());
        registry.bind("dataSource", dataSource);
        registry.bind("eventTransaction", new EventTransaction(dataSource));
        registry.bind("eventCodec", new EventCodec());
        RetryPolicy retries = new RetryPolicy(settings.integer("retry.max-redeliveries", 3), settings.number("retry.delay-ms", 1000),
                settings.decimal("retry.multiplier", 2), Math.max(settings.number("retry.max-delay-ms", 60_000),
                settings.number("retry.delay-ms", 1000)), false);
        registry.bind("inPlaceRetries", new InPlaceRetries(retries));
        TopicProducers producers = new TopicProducers(context);
        context.addService(stopping(producers::stop));
        long lagIntervalMs = settings.number("lag.interval-ms", 5000);
        ConsumerLag lag = new ConsumerLag(context, metrics, lagIntervalMs, settings.number("health.lag.max-events", 10_000),
                settings.number("health.lag.max-duration-ms", 300_000), settings.number("health.stuck.duration-ms", 300_000));

        if (services.anyPublishesThroughOutbox()) {
            EventOutbox eventOutbox = new EventOutbox(dataSource, producers, metrics);
            registry.bind("eventOutbox", eventOutbox);
            metrics.gauge("order_events_outbox_pending", "records in the event outbox, not published yet", () -> {
                try {
                    return eventOutbox.pending();
                } catch (SQLException e) {
                    return Double.NaN;
                }
            });
        }
        if (services.anyConsumesInBatches()) {
            EventBatch eventBatch = new EventBatch(context, dataSource, metrics, deadLetters, retries, new DatabaseOutage(), producers);
            context.addService(eventBatch);
            registry.bind("eventBatch", eventBatch);
            ParkedCounts parkedCounts = new ParkedCounts(context, eventBatch.parked(), metrics, lagIntervalMs,
                    settings.number("retry.parked-warning-ms", 300_000), lag::groups);
            context.addService(parkedCounts);
            context.addStartupListener(parkedCounts);
            HealthCheckRegistry.get(context).register(parkedCounts.healthCheck());
        }
        // the runs' progress on the metrics of the API's process (the live view's) and of the services' own
        List<Service> reprocessable = services.reprocessable();
        if (!reprocessable.isEmpty() || services.runs(Service.ORDERS_API)) {
            ReprocessRuns runs = new ReprocessRuns(dataSource);
            new ReprocessProgress(runs, metrics).register(services.runs(Service.ORDERS_API) ? Service.reprocessable() : reprocessable);
            if (!reprocessable.isEmpty()) {
                registry.bind("reprocessWorker", new ReprocessWorker(context, dataSource, runs, metrics, reprocessable,
                        Duration.ofMillis(settings.number("reprocess.lease-ms", 30_000)), settings.integer("reprocess.batch-size", 500),
                        settings.integer("reprocess.max-events-per-second", 400)));
            }
        }
        registry.bind("retention", new Retention(dataSource, idRetention, settings.integer("processed-events.purge-batch-size", 1000),
                services.processorNames(), services.runs(Service.EMAIL), services.runs(Service.ORDERS_API)));

        // readiness checks beside Camel's own (context, routes, consumers) on /observe/health; the lag readings cover
        // the consumer groups of the routes this process runs
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        BrokerHealthCheck broker = new BrokerHealthCheck();
        broker.setCamelContext(context);
        health.register(broker);
        context.addService(stopping(broker::close));
        DatabaseHealthCheck database = new DatabaseHealthCheck(dataSource, settings.required("db.url"));
        database.setCamelContext(context);
        health.register(database);
        context.addService(lag);
        context.addStartupListener(lag);
        health.register(ConsumerLagHealthCheck.lag(lag));
        health.register(ConsumerLagHealthCheck.progress(lag));
        return new Wiring(context, settings, dataSource, metrics, deadLetters, idRetention);
    }
}
