package org.orderevents;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommitFactory;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import org.orderevents.analytics.AnalyticsFigures;
import org.orderevents.analytics.OrderTotals;
import org.orderevents.api.AdminToken;
import org.orderevents.api.HttpProblems;
import org.orderevents.api.IdempotencyKeys;
import org.orderevents.api.JsonRequestBody;
import org.orderevents.api.SchemaDocuments;
import org.orderevents.batch.EventBatch;
import org.orderevents.db.Database;
import org.orderevents.db.DatabaseOutage;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.ProcessedEvents;
import org.orderevents.db.Retention;
import org.orderevents.deadletter.DeadLetterReplay;
import org.orderevents.deadletter.DeadLetters;
import org.orderevents.email.EmailOutbox;
import org.orderevents.email.OrderEmails;
import org.orderevents.event.EventCodec;
import org.orderevents.health.BrokerHealthCheck;
import org.orderevents.health.ConsumerLagHealthCheck;
import org.orderevents.health.DatabaseHealthCheck;
import org.orderevents.inventory.StockLevels;
import org.orderevents.inventory.StockReservation;
import org.orderevents.kafka.ConsumerLag;
import org.orderevents.kafka.EmbeddedKafka;
import org.orderevents.kafka.KafkaClients;
import org.orderevents.kafka.TopicProducers;
import org.orderevents.kafka.TopicSetup;
import org.orderevents.metrics.EventMetrics;
import org.orderevents.order.OrderBook;
import org.orderevents.order.OrderIntake;
import org.orderevents.order.OrderLifecycle;
import org.orderevents.outbox.EventOutbox;
import org.orderevents.retry.InPlaceRetries;
import org.orderevents.retry.ParkedCounts;
import org.orderevents.retry.RetryPolicy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * Brings up what the routes stand on, in order: the broker (embedded when {@code kafka.brokers} is empty), the
 * topics, the database and its schema; then binds the beans that the routes of this process's services
 * ({@code services}, {@link Services}) call by name, and nothing of the other services.
 */
public class OrderEventsConfiguration implements CamelConfiguration {

    @PropertyInject(value = "services", defaultValue = "")
    private String servicesSetting;
    @PropertyInject(value = "kafka.brokers", defaultValue = "")
    private String brokers;
    @PropertyInject(value = "kafka.embedded.port", defaultValue = "9092")
    private int embeddedPort;
    @PropertyInject(value = "data.dir", defaultValue = "data")
    private String dataDir;
    @PropertyInject(value = "topics.partitions", defaultValue = "3")
    private int partitions;
    @PropertyInject(value = "topics.replication-factor", defaultValue = "1")
    private short replicationFactor;
    @PropertyInject(value = "topics.ready-timeout-ms", defaultValue = "60000")
    private long topicsReadyTimeoutMs;
    @PropertyInject("db.url")
    private String dbUrl;
    @PropertyInject(value = "db.user", defaultValue = "")
    private String dbUser;
    @PropertyInject(value = "db.password", defaultValue = "")
    private String dbPassword;
    @PropertyInject(value = "db.connection-timeout-ms", defaultValue = "5000")
    private long dbConnectionTimeoutMs;
    @PropertyInject(value = "email.from", defaultValue = "orders@localhost")
    private String emailFrom;
    @PropertyInject(value = "email.recipient-domain", defaultValue = "example.com")
    private String recipientDomain;
    @PropertyInject(value = "admin.token", defaultValue = "")
    private String adminToken;
    @PropertyInject(value = "processed-events.retention", defaultValue = "P14D")
    private String retention;
    @PropertyInject(value = "processed-events.purge-batch-size", defaultValue = "1000")
    private int purgeBatchSize;
    @PropertyInject(value = "retry.max-redeliveries", defaultValue = "3")
    private int maxRedeliveries;
    @PropertyInject(value = "retry.delay-ms", defaultValue = "1000")
    private long retryDelayMs;
    @PropertyInject(value = "retry.multiplier", defaultValue = "2")
    private double retryMultiplier;
    @PropertyInject(value = "retry.max-delay-ms", defaultValue = "60000")
    private long retryMaxDelayMs;
    @PropertyInject(value = "retry.parked-warning-ms", defaultValue = "300000")
    private long parkedWarningMs;
    @PropertyInject(value = "lag.interval-ms", defaultValue = "5000")
    private long lagIntervalMs;
    @PropertyInject(value = "health.lag.max-events", defaultValue = "10000")
    private long maxLag;
    @PropertyInject(value = "health.lag.max-duration-ms", defaultValue = "300000")
    private long maxLagMs;
    @PropertyInject(value = "health.stuck.duration-ms", defaultValue = "300000")
    private long stuckMs;

    /** With manual commit allowed, this factory makes camel-kafka commit each record's offset after its exchange. */
    @BindToRegistry("kafkaManualCommitFactory")
    public DefaultKafkaManualCommitFactory kafkaManualCommitFactory() {
        return new DefaultKafkaManualCommitFactory();
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        Services services = Services.parse(servicesSetting);
        String bootstrap = brokers == null ? "" : brokers.trim();
        if (bootstrap.isEmpty()) {
            EmbeddedKafka broker = EmbeddedKafka.start(Path.of(dataDir, "kafka"), embeddedPort);
            // added first, so it is stopped last: after the routes and every other service
            context.addService(stopping(broker::close));
            bootstrap = broker.bootstrapServers();
            context.getPropertiesComponent().addOverrideProperty("kafka.brokers", bootstrap);
        }
        // when the context starts, before the routes: the Kafka component's settings (security too) are applied by then
        context.addStartupListener((camel, alreadyStarted) -> {
            if (!alreadyStarted) {
                TopicSetup.createMissing(KafkaClients.adminProperties(camel), partitions, replicationFactor, Duration.ofMillis(topicsReadyTimeoutMs));
                TopicSetup.requireRetentionCovers(KafkaClients.adminProperties(camel), isoDuration("processed-events.retention", retention), Duration.ofMillis(topicsReadyTimeoutMs));
            }
        });

        HikariDataSource dataSource = Database.open(dbUrl, dbUser, dbPassword, dbConnectionTimeoutMs);
        context.addService(stopping(dataSource::close));
        Database.migrate(dataSource);

        // what every process has: metrics, the dead letter channel and the HTTP error reports (error-handling.camel.yaml)
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
        RetryPolicy retries = new RetryPolicy(maxRedeliveries, retryDelayMs, retryMultiplier, Math.max(retryMaxDelayMs, retryDelayMs), false);
        registry.bind("inPlaceRetries", new InPlaceRetries(retries));
        DatabaseOutage outage = new DatabaseOutage();
        TopicProducers producers = new TopicProducers(context);
        context.addService(stopping(producers::stop));
        Duration idRetention = isoDuration("processed-events.retention", retention);
        ConsumerLag lag = new ConsumerLag(context, metrics, lagIntervalMs, maxLag, maxLagMs, stuckMs);

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
            EventBatch eventBatch = new EventBatch(context, dataSource, metrics, deadLetters, retries, outage, producers);
            context.addService(eventBatch);
            registry.bind("eventBatch", eventBatch);
            ParkedCounts parkedCounts = new ParkedCounts(context, eventBatch.parked(), metrics, lagIntervalMs, parkedWarningMs, lag::groups);
            context.addService(parkedCounts);
            context.addStartupListener(parkedCounts);
            HealthCheckRegistry.get(context).register(parkedCounts.healthCheck());
        }
        if (services.runs(Service.ORDERS_API) || services.runs(Service.ORDER)) {
            registry.bind("orderBook", new OrderBook(dataSource, metrics));
        }
        if (services.runs(Service.ORDERS_API)) {
            registry.bind("orderIntake", new OrderIntake(registry.lookupByNameAndType("orderBook", OrderBook.class)));
            registry.bind("jsonRequestBody", new JsonRequestBody());
            registry.bind("schemaDocuments", new SchemaDocuments());
            registry.bind("idempotencyKeys", new IdempotencyKeys());
            registry.bind("stockLevels", new StockLevels(dataSource));
            registry.bind("analyticsFigures", new AnalyticsFigures(dataSource));
            registry.bind("adminToken", AdminToken.load(adminToken, Path.of(dataDir)));
            registry.bind("deadLetterReplay", new DeadLetterReplay(context, context.createProducerTemplate(), metrics, idRetention));
        }
        if (services.runs(Service.EMAIL)) {
            registry.bind("processedByEmailService", new ProcessedEvents(dataSource, Service.EMAIL.id()));
            registry.bind("lifecycleOfEmailService", new OrderLifecycle(Service.EMAIL.id(), metrics));
            registry.bind("orderEmails", new OrderEmails(emailFrom, recipientDomain));
            EmailOutbox outbox = new EmailOutbox(dataSource);
            registry.bind("emailOutbox", outbox);
            // read at each scrape (the meter registry exists once camel-main has configured metrics, at start-up)
            context.addStartupListener((camel, alreadyStarted) -> {
                if (!alreadyStarted) {
                    metrics.gauge("order_events_email_outbox_size", "E-mails in the outbox not sent yet", outbox::size);
                }
            });
        }
        if (services.runs(Service.INVENTORY)) {
            registry.bind("processedByInventoryService", new ProcessedEvents(dataSource, Service.INVENTORY.id()));
            registry.bind("lifecycleOfInventoryService", new OrderLifecycle(Service.INVENTORY.id(), metrics));
            registry.bind("stockReservation", new StockReservation(dataSource));
        }
        if (services.runs(Service.ANALYTICS)) {
            registry.bind("processedByAnalyticsService", new ProcessedEvents(dataSource, Service.ANALYTICS.id()));
            registry.bind("orderTotals", new OrderTotals());
        }
        if (services.runs(Service.ORDER)) {
            registry.bind("processedByOrderService", new ProcessedEvents(dataSource, Service.ORDER.id()));
        }
        registry.bind("retention", new Retention(dataSource, idRetention, purgeBatchSize, services.processorNames(),
                services.runs(Service.EMAIL), services.runs(Service.ORDERS_API)));

        // readiness checks beside Camel's own (context, routes, consumers) on /observe/health; the lag readings cover
        // the consumer groups of the routes this process runs
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        BrokerHealthCheck broker = new BrokerHealthCheck();
        broker.setCamelContext(context);
        health.register(broker);
        context.addService(stopping(broker::close));
        DatabaseHealthCheck database = new DatabaseHealthCheck(dataSource, dbUrl);
        database.setCamelContext(context);
        health.register(database);
        context.addService(lag);
        context.addStartupListener(lag);
        health.register(ConsumerLagHealthCheck.lag(lag));
        health.register(ConsumerLagHealthCheck.progress(lag));
    }

    /** A wrong value fails the start, naming the key, rather than the first purge an hour later. */
    private static Duration isoDuration(String key, String value) {
        try {
            return Duration.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be an ISO-8601 duration such as P7D or PT12H, not '" + value + "'", e);
        }
    }

    private static ServiceSupport stopping(Runnable stop) {
        return new ServiceSupport() {
            @Override
            protected void doStop() {
                stop.run();
            }
        };
    }
}
