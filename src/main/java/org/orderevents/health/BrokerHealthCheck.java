package org.orderevents.health;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.orderevents.kafka.KafkaClients;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Readiness of the Kafka connection: the cluster answers a metadata request within the timeout. camel-kafka's own
 * consumer checks stay UP while the broker is away (a poll that reaches no broker just returns nothing), so an outage
 * would otherwise not show. Not a liveness check: restarting the application does not bring a broker back.
 */
public class BrokerHealthCheck extends AbstractHealthCheck implements AutoCloseable {

    private static final int TIMEOUT_MS = 2_000;

    private Admin admin;
    private String bootstrapServers;

    public BrokerHealthCheck() {
        super("order-events", "kafka-broker");
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            DescribeClusterResult cluster = admin().describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS));
            int nodes = cluster.nodes().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).size();
            builder.detail("bootstrap.servers", bootstrapServers);
            builder.detail("nodes", nodes);
            builder.up();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            builder.down().message("interrupted");
        } catch (Exception e) {
            builder.detail("bootstrap.servers", bootstrapServers);
            builder.down().message("Kafka broker unreachable: no answer to a metadata request within " + TIMEOUT_MS + " ms");
        }
    }

    /** An admin client with the Kafka component's settings (brokers, security), made at the first check. */
    private synchronized Admin admin() {
        if (admin == null) {
            bootstrapServers = String.valueOf(KafkaClients.adminProperties(getCamelContext())
                    .get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
            admin = KafkaClients.admin(getCamelContext(), "order-events-health", TIMEOUT_MS);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
            admin = null;
        }
    }
}
