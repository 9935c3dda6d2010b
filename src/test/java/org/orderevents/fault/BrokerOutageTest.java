package org.orderevents.fault;

import org.orderevents.Poll;
import org.orderevents.TestHttp;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.orderevents.kafka.EmbeddedKafka;
import org.orderevents.kafka.TopicSetup;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker goes away mid-stream and comes back (same port, same data): the application recovers by itself, health
 * reports the outage while it lasts, and every event's effect happens exactly once.
 */
class BrokerOutageTest extends FaultTestSupport {

    private static final int EVENTS = 1000;
    private static final int STOCK = 1_000_000;
    private int port;
    private EmbeddedKafka broker;

    @BeforeEach
    void startBroker() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        broker = EmbeddedKafka.start(dataDir.resolve("broker"), port);
        TopicSetup.createMissing(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers()), 3, (short) 1);
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    @Override
    String brokers() {
        return "localhost:" + port;
    }

    @Test
    void theBrokerGoesAwayAndComesBackTheApplicationRecoversAndHealthShowsTheOutage() throws Exception {
        String run = "broker-" + UUID.randomUUID();
        seedDatabase("sticker", STOCK);
        publishOrders(run, EVENTS, "sticker");
        Map<String, String> properties = new HashMap<>(appProperties());
        properties.put("lag.interval-ms", "500");
        String health = "http://localhost:" + properties.get("http.port") + "/observe/health";
        String metrics = "http://localhost:" + properties.get("http.port") + "/observe/metrics";

        try (AppProcess app = AppProcess.start(properties, log("broker-outage"))) {
            Poll.until("a fifth of the inventory results", Duration.ofMinutes(2),
                    () -> published("inventory", run, "inventory.reserved").events() >= EVENTS / 5);
            assertThat(get(health + "/ready").statusCode()).isEqualTo(200);

            broker.close();
            Instant down = Instant.now();
            Poll.until("readiness DOWN naming the broker", Duration.ofSeconds(30), () -> {
                HttpResponse<String> ready = get(health + "/ready");
                return ready.statusCode() == 503 && ready.body().contains("kafka-broker");
            });
            Duration noticed = Duration.between(down, Instant.now());
            Poll.until("the lag reader finds the broker gone", Duration.ofSeconds(30),
                    () -> Files.readString(log("broker-outage")).contains("Cannot read the consumer lag"));
            String duringOutage = get(health).body();
            // the lag checks keep their last verdict: an outage is the broker check's to report, and must not fail liveness
            assertThat(duringOutage).doesNotContain("consumer-lag").doesNotContain("consumer-progress");
            assertThat(get(health + "/live").statusCode()).as("the process is alive: no restart wanted").isEqualTo(200);
            // what an operator sees meanwhile (docs/operations.md, "Health" and "Metrics")
            String observed = "GET /observe/health during the outage:\n" + duringOutage + "\n\nGET /observe/metrics (order_events_*):\n"
                    + String.join("\n", get(metrics).body().lines().filter(line -> line.startsWith("order_events_")).toList()) + "\n";
            Files.writeString(Path.of("target", "broker-outage-observed.txt"), observed);
            assertThat(app.isAlive()).isTrue();

            broker = EmbeddedKafka.start(dataDir.resolve("broker"), port);
            Duration outage = Duration.between(down, Instant.now());
            Poll.until("readiness UP again", Duration.ofSeconds(60), () -> get(health + "/ready").statusCode() == 200);
            awaitAllProcessed(run, EVENTS, Duration.ofMinutes(3));
            assertThat(app.stop()).isIn(0, 130, 143);
            System.out.printf("broker outage test: %d events, broker down %d ms, readiness DOWN after %d ms: %s%n",
                    EVENTS, outage.toMillis(), noticed.toMillis(), duringOutage);
        }

        long confirmed = queryLong("SELECT COUNT(*) FROM orders WHERE status = 'confirmed'");
        long stockTaken = STOCK - queryLong("SELECT available FROM stock WHERE product_id = 'sticker'");
        long analyticsOrders = queryLong("SELECT total_orders FROM analytics_totals");
        long emails = queryLong("SELECT COUNT(*) FROM email_outbox");
        long files = emailFiles();
        System.out.printf("broker outage test: confirmed %d, stock taken %d, analytics orders %d, e-mails %d (%d files), "
                + "dead letters %d; lost %d, duplicated %d%n", confirmed, stockTaken, analyticsOrders, emails, files,
                deadLetters("orders.dlq", run).size() + deadLetters("inventory.dlq", run).size(),
                EVENTS - Math.min(confirmed, Math.min(stockTaken, analyticsOrders)), Math.max(0, Math.max(stockTaken, analyticsOrders) - EVENTS));
        assertThat(confirmed).isEqualTo(EVENTS);
        assertThat(stockTaken).isEqualTo(EVENTS);
        assertThat(analyticsOrders).isEqualTo(EVENTS);
        assertThat(emails).isEqualTo(2L * EVENTS);
        assertThat(files).isEqualTo(2L * EVENTS);
        assertThat(deadLetters("orders.dlq", run)).as("an outage is waited out, not dead-lettered").isEmpty();
        assertThat(deadLetters("inventory.dlq", run)).isEmpty();
        assertThat(totalLag()).isZero();
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return TestHttp.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build());
    }
}
