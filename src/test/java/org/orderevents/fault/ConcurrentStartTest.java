package org.orderevents.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.orderevents.OrderRequest;
import org.orderevents.Poll;
import org.orderevents.Service;
import org.orderevents.TestHttp;
import org.orderevents.db.Database;
import org.orderevents.event.Json;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Five processes, one per service, started at the same moment on one empty PostgreSQL database: each comes up (the
 * schema script runs under an advisory lock, so no process fails or retries on the race), and together they decide
 * an order placed at the API process.
 */
class ConcurrentStartTest extends FaultTestSupport {

    private final List<AppProcess> processes = new ArrayList<>();

    @BeforeEach
    void emptyDatabase() {
        usePostgres();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AppProcess process : processes) {
            process.close();
        }
        dropPostgres();
    }

    @Test
    void fiveProcessesOfDifferentServicesStartingTogetherOnAnEmptyDatabaseAllComeUp() throws Exception {
        List<String> services = Service.ids();
        Map<String, Integer> ports = new HashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService starter = Executors.newFixedThreadPool(services.size());
        List<Future<AppProcess>> starting = new ArrayList<>();
        for (String service : services) {
            Map<String, String> properties = new HashMap<>(appProperties());
            try (ServerSocket socket = new ServerSocket(0)) {
                ports.put(service, socket.getLocalPort());
            }
            properties.put("http.port", String.valueOf(ports.get(service)));
            properties.put("data.dir", Files.createDirectories(dataDir.resolve(service)).toString());
            properties.put("services", service);
            starting.add(starter.submit(() -> {
                go.await();
                return AppProcess.start(properties, log("concurrent-start-" + service));
            }));
        }
        go.countDown();
        try {
            for (Future<AppProcess> process : starting) {
                processes.add(process.get());
            }
        } finally {
            starter.shutdown();
        }

        for (String service : services) {
            String output = Files.readString(log("concurrent-start-" + service));
            assertThat(output).as(service).contains("Services of this process: " + service).doesNotContain("cannot create the schema");
            Poll.until(service + " ready", Duration.ofSeconds(60),
                    () -> get(ports.get(service), "/observe/health/ready").statusCode() == 200);
        }
        int api = ports.get(Service.ORDERS_API.id());
        HttpResponse<String> created = TestHttp.send(HttpRequest.newBuilder(URI.create("http://localhost:" + api + "/orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(OrderRequest.of("concurrent-start").item("mug", 1, "9.5").json())).build());
        assertThat(created.statusCode()).isEqualTo(201);
        String orderId = Json.MAPPER.readTree(created.body()).get("order_id").asText();
        Poll.until("the order confirmed across the processes", Duration.ofSeconds(60),
                () -> "confirmed".equals(status(api, orderId)));
        Path outbox = dataDir.resolve(Service.EMAIL.id()).resolve("outbox");
        Poll.until("its two e-mails", Duration.ofSeconds(60), () -> emails(outbox) == 2);
    }

    /** The race itself, without the JVMs' uneven start: eight connections pools run the script at one instant. */
    @Test
    void eightSchemaScriptsAtTheSameInstantOnAnEmptyDatabaseAllSucceed() throws Exception {
        int runs = 8;
        CyclicBarrier together = new CyclicBarrier(runs);
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        List<Future<?>> migrations = new ArrayList<>();
        List<HikariDataSource> sources = new ArrayList<>();
        try {
            for (int i = 0; i < runs; i++) {
                HikariDataSource source = Database.open(dbUrl(), dbUser(), "");
                sources.add(source);
                migrations.add(pool.submit(() -> {
                    together.await();
                    Database.migrate(source);
                    return null;
                }));
            }
            for (Future<?> migration : migrations) {
                migration.get();
            }
            try (Connection connection = sources.get(0).getConnection(); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM stock WHERE product_id = 'mug'")) {
                rows.next();
                assertThat(rows.getInt(1)).as("the sample stock once").isEqualTo(1);
            }
        } finally {
            pool.shutdown();
            sources.forEach(HikariDataSource::close);
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return TestHttp.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build());
    }

    private static String status(int port, String orderId) throws Exception {
        JsonNode order = Json.MAPPER.readTree(get(port, "/orders/" + orderId).body());
        return order.path("status").asText();
    }

    private static long emails(Path outbox) throws Exception {
        if (!Files.isDirectory(outbox)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(outbox)) {
            return files.filter(file -> file.toString().endsWith(".eml")).count();
        }
    }
}
