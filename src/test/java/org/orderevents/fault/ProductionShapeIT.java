package org.orderevents.fault;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.orderevents.OrderRequest;
import org.orderevents.Poll;
import org.orderevents.TestHttp;
import org.orderevents.cluster.KafkaCluster;
import org.orderevents.event.Json;

import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production shape: three brokers (replication factor 3, min.insync.replicas 2), PostgreSQL, and the packaged jar
 * started once per service, inventory-service twice. While two-item orders over scarce stock arrive through the API
 * process, one inventory-service process is killed with SIGKILL and started again, and one broker is stopped and
 * started again. Every order ends decided once: one inventory result, the matching status, its two e-mails, the stock
 * and analytics exact, no dead letters, every group's lag 0.
 */
class ProductionShapeIT extends FaultTestSupport {

    private static final int ORDERS = 600;
    private static final int STOCK = 220;
    private static final Duration PACE = Duration.ofMillis(60);

    private KafkaCluster cluster;
    private final Map<String, AppProcess> processes = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> settings = new HashMap<>();

    @BeforeEach
    void clusterAndDatabase() throws Exception {
        usePostgres();
        cluster = KafkaCluster.start(3, Files.createDirectories(dataDir.resolve("cluster")));
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (AppProcess process : processes.values()) {
            process.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        dropPostgres();
    }

    @Override
    String brokers() {
        return cluster.bootstrapServers();
    }

    @Test
    void eachServiceInAProcessOfItsOwnOnThreeBrokersDecidesEveryOrderOnceThroughAKillAndABrokerRestart() throws Exception {
        long started = System.nanoTime();
        seedDatabase("mug", STOCK);
        seedDatabase("sticker", STOCK);
        // the processes of one deployment, started together; e-mails land in the test's data directory
        List<String> names = List.of("orders-api", "email-service", "inventory-service-1", "inventory-service-2",
                "analytics-service", "order-service");
        ExecutorService starter = Executors.newFixedThreadPool(names.size());
        Map<String, Future<AppProcess>> starting = new LinkedHashMap<>();
        for (String name : names) {
            settings.put(name, settingsOf(name));
            starting.put(name, starter.submit(() -> AppProcess.startJar(settings.get(name), log("production-" + name))));
        }
        for (var process : starting.entrySet()) {
            processes.put(process.getKey(), process.getValue().get());
        }
        for (String name : names) {
            Poll.until(name + " ready", Duration.ofMinutes(2), () -> get(name, "/observe/health/ready").statusCode() == 200);
        }
        long readyMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();

        // the orders arrive at a steady pace while the faults happen
        AtomicInteger placed = new AtomicInteger();
        Set<String> orderIds = ConcurrentHashMap.newKeySet();
        List<String> refused = new ArrayList<>();
        ExecutorService client = Executors.newSingleThreadExecutor();
        Future<?> placing = client.submit(() -> {
            for (int i = 0; i < ORDERS; i++) {
                String user = "user-" + (i % 64);
                OrderRequest order = i % 2 == 0 ? OrderRequest.of(user).item("mug", 1, "1.10").item("sticker", 1, "0.70")
                        : OrderRequest.of(user).item("sticker", 1, "0.70").item("mug", 1, "1.10");
                HttpResponse<String> answer = post("orders-api", "/orders", order.json());
                if (answer.statusCode() == 201) {
                    orderIds.add(Json.MAPPER.readTree(answer.body()).get("order_id").asText());
                } else {
                    refused.add(answer.statusCode() + " " + answer.body());
                }
                placed.incrementAndGet();
                LockSupport.parkNanos(PACE.toNanos());
            }
            return null;
        });

        Poll.until("a sixth of the orders placed", Duration.ofMinutes(2), () -> placed.get() >= ORDERS / 6);
        processes.get("inventory-service-1").kill();
        processes.put("inventory-service-1", AppProcess.startJar(settings.get("inventory-service-1"), log("production-inventory-service-1-restarted")));
        Poll.until("half of the orders placed", Duration.ofMinutes(3), () -> placed.get() >= ORDERS / 2);
        cluster.stop(1);
        Poll.until("two thirds of the orders placed", Duration.ofMinutes(3), () -> placed.get() >= 2 * ORDERS / 3);
        cluster.restart(1);
        placing.get();
        client.shutdown();
        starter.shutdown();

        assertThat(refused).as("every order taken").isEmpty();
        awaitAllProcessed("", ORDERS, Duration.ofMinutes(5));
        long doneMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();

        for (String name : names) {
            HttpResponse<String> health = get(name, "/observe/health");
            System.out.printf("production shape: %s health %d %s%n", name, health.statusCode(), health.body().replaceAll("\\s+", " "));
            System.out.printf("production shape: %s metrics %s%n", name, processedCounters(get(name, "/observe/metrics").body()));
        }
        assertEachOrderDecidedOnce("", orderIds, "mug", "sticker", STOCK);
        assertThat(new BigDecimal(queryLong("SELECT ROUND(total_revenue * 100) FROM analytics_totals")).movePointLeft(2))
                .as("revenue to the cent").isEqualByComparingTo(new BigDecimal("1.80").multiply(BigDecimal.valueOf(ORDERS)));
        assertThat(deadLetters("orders.dlq", "")).as("no dead letters on orders.dlq").isEmpty();
        assertThat(deadLetters("inventory.dlq", "")).as("no dead letters on inventory.dlq").isEmpty();
        assertThat(totalLag()).as("every offset committed").isZero();
        System.out.printf("production shape: %d orders, 6 processes ready in %d ms, all decided %d ms after the start; "
                + "1 SIGKILL of inventory-service-1, broker 1 stopped and restarted%n", ORDERS, readyMillis, doneMillis);
    }

    private Map<String, String> settingsOf(String name) throws Exception {
        Map<String, String> properties = new HashMap<>(appProperties());
        try (ServerSocket socket = new ServerSocket(0)) {
            ports.put(name, socket.getLocalPort());
        }
        properties.put("http.port", String.valueOf(ports.get(name)));
        properties.put("services", name.replaceFirst("-\\d$", ""));
        properties.put("topics.replication-factor", "3");
        if (!name.equals("email-service")) {
            properties.put("data.dir", Files.createDirectories(dataDir.resolve(name)).toString());
        }
        return properties;
    }

    private HttpResponse<String> get(String process, String path) throws Exception {
        return TestHttp.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(process) + path)).GET().build());
    }

    private HttpResponse<String> post(String process, String path, String body) throws Exception {
        return TestHttp.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(process) + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** The lines of the services' processed, skipped and dead-lettered counters. */
    private static List<String> processedCounters(String metrics) {
        return metrics.lines().filter(line -> line.startsWith("order_events_processed_total")
                || line.startsWith("order_events_dead_lettered_total") || line.startsWith("order_events_consumer_lag")).toList();
    }
}
