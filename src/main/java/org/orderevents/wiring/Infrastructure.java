package org.orderevents.wiring;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.orderevents.db.Database;
import org.orderevents.kafka.EmbeddedKafka;
import org.orderevents.kafka.KafkaClients;
import org.orderevents.kafka.TopicSetup;

import java.nio.file.Path;
import java.time.Duration;

/** What the routes stand on, brought up in order: the broker (embedded without kafka.brokers), the topics, the database. */
final class Infrastructure {

    private Infrastructure() {
    }

    /** Starts the embedded broker when {@code kafka.brokers} is empty, and creates or checks the topics at start-up. */
    static void broker(CamelContext context, Settings settings, Duration idRetention) throws Exception {
        if (settings.text("kafka.brokers", "").isEmpty()) {
            EmbeddedKafka broker = EmbeddedKafka.start(Path.of(settings.text("data.dir", "data"), "kafka"),
                    settings.integer("kafka.embedded.port", 9092));
            // added first, so it is stopped last: after the routes and every other service
            context.addService(stopping(broker::close));
            context.getPropertiesComponent().addOverrideProperty("kafka.brokers", broker.bootstrapServers());
        }
        int partitions = settings.integer("topics.partitions", 3);
        short replicationFactor = (short) settings.integer("topics.replication-factor", 1);
        Duration ready = Duration.ofMillis(settings.number("topics.ready-timeout-ms", 60_000));
        // when the context starts, before the routes: the Kafka component's settings (security too) are applied by then
        context.addStartupListener((camel, alreadyStarted) -> {
            if (!alreadyStarted) {
                TopicSetup.createMissing(KafkaClients.adminProperties(camel), partitions, replicationFactor, ready);
                TopicSetup.requireRetentionCovers(KafkaClients.adminProperties(camel), idRetention, ready);
            }
        });
    }

    /** The pool, closed when the context stops, with the schema applied. */
    static HikariDataSource database(CamelContext context, Settings settings) throws Exception {
        HikariDataSource dataSource = Database.open(settings.required("db.url"), settings.text("db.user", ""),
                settings.text("db.password", ""), settings.number("db.connection-timeout-ms", 5000));
        context.addService(stopping(dataSource::close));
        Database.migrate(dataSource);
        return dataSource;
    }

    static ServiceSupport stopping(Runnable stop) {
        return new ServiceSupport() {
            @Override
            protected void doStop() {
                stop.run();
            }
        };
    }
}
