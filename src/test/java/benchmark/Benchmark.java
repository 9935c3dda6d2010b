package benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.orderevents.event.EventCodec;
import org.orderevents.event.Json;
import org.orderevents.kafka.EmbeddedKafka;
import org.orderevents.kafka.TopicSetup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The benchmark: {@code mvn -Pbench} (docs/benchmark.md). On one embedded broker and one pre-loaded
 * topic of {@code bench.events} order.created events, per database (H2 file, then PostgreSQL when it answers), it
 * measures {@code bench.runs} times: baseline A, baseline B and the floor of the durable duplicate check
 * ({@link Baselines}), the application with one service's routes at a time, each right after its baseline C (the
 * service's durable work written by hand, {@link BaselineC}), and with all routes (each over the whole run and over
 * its second half); then {@code bench.runs} times the end-to-end latency at a steady rate, all services running; and
 * once, with {@code bench.heap.minutes}, a long steady run that reads the live heap after a full collection each minute.
 * Throughputs are the median of the runs; each service's is also divided by its baseline C's.
 * <p>
 * Options (system properties): {@code bench.events} (100000), {@code bench.runs} (3), {@code bench.databases}
 * (h2,postgresql), {@code bench.services} (email-service,inventory-service,analytics-service,order-service),
 * {@code bench.latency.rate} (2000 events/s), {@code bench.latency.seconds} (30; 0 skips the latency runs),
 * {@code bench.heap.minutes} (0, which skips the heap run), {@code bench.heap.database} (h2),
 * {@code bench.reprocess.seconds} (0, which skips the reprocess run), {@code bench.reprocess.service} (analytics-service),
 * {@code bench.all} (true; false skips the run of all routes together), {@code bench.app.xmx} (512m),
 * {@code bench.app.jvm-args} (extra options of the application's JVM, space-separated, e.g. a JFR recording),
 * {@code bench.postgres.url} (jdbc:postgresql://127.0.0.1:5432/test), {@code bench.postgres.user} (postgres).
 * The application's output goes to {@code target/bench/<run>.log}.
 */
public final class Benchmark {

    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(30);
    private static final String ALL = "all";

    private final int events = Integer.getInteger("bench.events", 100_000);
    private final int runs = Integer.getInteger("bench.runs", 3);
    private final List<String> services = Stream.of(System.getProperty("bench.services",
            "email-service,inventory-service,analytics-service,order-service").split(",")).filter(s -> !s.isBlank()).toList();
    private final int latencyRate = Integer.getInteger("bench.latency.rate", 2000);
    private final int latencySeconds = Integer.getInteger("bench.latency.seconds", 30);
    /** Minutes of a steady run at bench.latency.rate that reads the live heap after a full collection each minute; 0 skips it. */
    private final int heapMinutes = Integer.getInteger("bench.heap.minutes", 0);
    /** The database of the heap run: H2, the default profile's, whose file keeps a record in memory that PostgreSQL has not. */
    private final String heapDatabase = System.getProperty("bench.heap.database", "h2");
    private final String xmx = System.getProperty("bench.app.xmx", "512m");
    /** Seconds of orders at bench.latency.rate during a reprocess of analytics-service over the pre-loaded topic; 0 skips it. */
    private final int reprocessSeconds = Integer.getInteger("bench.reprocess.seconds", 0);
    /** The service the reprocess run reprocesses. */
    private final String reprocessService = System.getProperty("bench.reprocess.service", "analytics-service");
    /** When the benchmark began: before every record of its topics, the point a reprocess starts from. */
    private final Instant began = Instant.now();
    /** false skips the run of all routes together (a quick look at one service). */
    private final boolean allRun = Boolean.parseBoolean(System.getProperty("bench.all", "true"));
    private final String postgresUrl = System.getProperty("bench.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test");
    private final String postgresUser = System.getProperty("bench.postgres.user", "postgres");

    private final Path work;
    private final Path logs = Path.of("target", "bench");
    private final String brokers;
    private final Cluster cluster;
    private final List<OrderEvents.Event> preloaded;

    /** What one database's runs gave: throughputs per figure (one per run), and the application's resources. */
    private static final class Figures {
        final Map<String, List<Double>> rates = new LinkedHashMap<>();
        final List<Long> ready = new ArrayList<>();
        long heap;
        long rss;
        /** The steady runs at bench.latency.rate, one per run; and the long one that reads the live heap. */
        final List<Steady> steady = new ArrayList<>();
        Steady heapRun;
        /** The reprocess run's line (bench.reprocess.seconds). */
        String reprocess;
    }

    private Benchmark(Path work, String brokers, Cluster cluster) {
        this.work = work;
        this.brokers = brokers;
        this.cluster = cluster;
        this.preloaded = OrderEvents.generate(events, 42);
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("order-events-bench-");
        int status = 0;
        try (EmbeddedKafka broker = EmbeddedKafka.start(work.resolve("kafka"), 0);
             Cluster cluster = new Cluster(broker.bootstrapServers())) {
            TopicSetup.createMissing(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), Cluster.PARTITIONS, (short) 1);
            new Benchmark(work, broker.bootstrapServers(), cluster).run();
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        } finally {
            delete(work);
        }
        System.exit(status); // the broker's and the clients' leftover threads
    }

    private void run() throws Exception {
        Files.createDirectories(logs);
        System.out.printf("order-events benchmark: %,d order.created events (%.0f bytes on average), %d partitions keyed by "
                + "user_id, %d run(s), median reported; application JVM -Xmx%s; logs in %s%n", events,
                OrderEvents.averageBytes(preloaded), Cluster.PARTITIONS, runs, xmx, logs.toAbsolutePath());
        ValidationCost.Cost validation = ValidationCost.measure(preloaded);
        System.out.println(validation);
        StringBuilder result = new StringBuilder("RESULT events=" + events + " runs=" + runs
                + String.format(" parse_us=%.2f schema_us=%.2f", validation.parseMicros(), validation.schemaMicros()));
        List<String> tables = new ArrayList<>();
        for (String database : System.getProperty("bench.databases", "h2,postgresql").split(",")) {
            if (database.equals("postgresql") && !BenchDatabase.reachable(postgresUrl, postgresUser)) {
                System.out.println("PostgreSQL not reachable at " + postgresUrl + " (user " + postgresUser + "), skipped");
                result.append(" postgresql=skipped");
                continue;
            }
            Figures figures = measure(database);
            tables.add(table(database, figures));
            result.append(' ').append(resultLine(database, figures));
        }
        tables.forEach(System.out::println);
        System.out.println(result);
    }

    private Figures measure(String database) throws Exception {
        Figures figures = new Figures();
        for (int run = 1; run <= runs; run++) {
            String label = database + "-" + run;
            prepareTopics();
            record(figures, label, "baselineA", Baselines.plainConsumer(brokers, events));
            Path dir = work.resolve(label + "-baselineB");
            try (BenchDatabase db = freshDatabase(database, dir)) {
                record(figures, label, "baselineB", Baselines.camelJdbcIdempotent(brokers, events, db));
            } finally {
                delete(dir);
            }
            dir = work.resolve(label + "-claims");
            try (BenchDatabase db = freshDatabase(database, dir)) {
                record(figures, label, "claims", Baselines.durableClaims(preloaded.stream().map(OrderEvents.Event::eventId).toList(), db));
            } finally {
                delete(dir);
            }
            for (String service : services) {
                record(figures, label, BASELINE_C + service, baselineC(database, label, service));
                record(figures, label, service, appRun(database, label, service, figures));
            }
            if (allRun) {
                record(figures, label, ALL, appRun(database, label, ALL, figures));
            }
        }
        if (latencySeconds > 0) {
            for (int run = 1; run <= runs; run++) {
                figures.steady.add(steadyRun(database, database + "-latency-" + run, latencySeconds, false, figures));
            }
        }
        if (reprocessSeconds > 0) {
            figures.reprocess = reprocessRun(database, database + "-reprocess");
        }
        if (heapMinutes > 0 && database.equals(heapDatabase)) {
            figures.heapRun = steadyRun(database, database + "-heap", heapMinutes * 60, true, figures);
        }
        return figures;
    }

    private void record(Figures figures, String label, String name, double rate) {
        figures.rates.computeIfAbsent(name, k -> new ArrayList<>()).add(rate);
        System.out.printf("%s %s: %,.0f events/s%n", label, name, rate);
    }

    /** An application run's two figures: the whole run, and its second half (name + {@value #WARM}). */
    private void record(Figures figures, String label, String name, Cluster.Drained drained) {
        record(figures, label, name, drained.rate());
        record(figures, label, name + WARM, drained.secondHalf());
    }

    private static final String WARM = "@2nd-half";
    /** The figure of a service's baseline C: this prefix and the service's name. */
    private static final String BASELINE_C = "baselineC-";
    /** The pre-loaded topic as the runs need it: orders holds exactly the events, inventory nothing. */
    private void prepareTopics() throws Exception {
        if (cluster.end("inventory") != 0) {
            cluster.recreate("inventory");
        }
        if (cluster.end("orders") != events) {
            cluster.recreate("orders");
            OrderEvents.publish(brokers, preloaded);
        }
    }

    /**
     * Baseline C of one service ({@link BaselineC}) on a fresh database of the kind; with inventory-service, also
     * checks that the topic holds exactly its results (the next application run's prepareTopics empties it again).
     */
    private double baselineC(String database, String label, String service) throws Exception {
        prepareTopics();
        Path dir = work.resolve(label + "-" + BASELINE_C + service);
        try (BenchDatabase db = freshDatabase(database, dir)) {
            BaselineC.Result run = BaselineC.run(service, brokers, events, db, dir);
            if (service.equals("inventory-service") && cluster.end("inventory") != events) {
                throw new IllegalStateException("baseline C of inventory-service left " + cluster.end("inventory")
                        + " records on inventory, expected " + events);
            }
            System.out.println("  baseline C rows, checked: " + run.checked());
            return run.rate();
        } finally {
            delete(dir);
        }
    }

    /**
     * One run of the application on a fresh database and fresh groups, running one service or all of them; returns the
     * events/s until every group of the run has committed every event and the work its outboxes owe is done, over the
     * whole run and over its second half: inventory-service's results published, email-service's e-mails sent (as
     * baseline C's figures include them). With all routes, the run also waits for the services' own events: one
     * inventory result and one status change per order.
     */
    private Cluster.Drained appRun(String database, String label, String service, Figures figures) throws Exception {
        prepareTopics();
        cluster.deleteServiceGroups();
        boolean all = service.equals(ALL);
        List<String> groups = all ? List.copyOf(Cluster.GROUPS.keySet()) : List.of(service);
        Map<String, Long> ends = all ? Map.of("orders", 2L * events, "inventory", (long) events)
                : service.equals("inventory-service") ? Map.of("inventory", (long) events) : Map.of();
        boolean emails = all || service.equals("email-service");
        long deadLetters = cluster.end("orders.dlq") + cluster.end("inventory.dlq");
        // one service: a process that runs it alone (services=<its name>)
        String services = all ? "all" : service;
        Path dir = work.resolve(label + "-" + service);
        try (BenchDatabase db = freshDatabase(database, dir)) {
            db.prepareForApp();
            long commitsBefore = db.commits();
            Map<String, long[]> rowsBefore = db.rowsWritten();
            Cluster.Drained rate;
            try (EmailsSent sent = new EmailsSent(db, events);
                 AppRun app = AppRun.start(appProperties(db, dir, services), xmx, jvmArgs(label + "-" + service), logs.resolve(label + "-" + service + ".log"))) {
                rate = cluster.drain(app, groups, events, ends, emails ? sent : () -> true, DRAIN_TIMEOUT);
                resources(figures, app);
            }
            System.out.println("  processed_events rows: " + processedCounts(db)
                    + dlqNote(cluster.end("orders.dlq") + cluster.end("inventory.dlq") - deadLetters));
            if (commitsBefore >= 0) {
                System.out.println("  " + writesPerOrder(db, commitsBefore, rowsBefore));
            }
            return rate;
        } finally {
            delete(dir);
        }
    }

    /**
     * What a steady run gave: from an order to its decision, over the whole run (the application's cold start
     * included) and after its first minute (warm); every event's latency in every service; the live heap after a full
     * collection each minute (the heap run only); and the run's detail line.
     */
    record Steady(long[] decision, long[] warmDecision, long[] latency, List<Long> liveHeap, String detail) {
    }

    /**
     * All services, a producer at a steady {@code bench.latency.rate} for {@code seconds}, on empty topics. Latency of
     * an event in a service = its {@code processed_events.processed_at} (the time the service claimed the event inside
     * the transaction that commits its effect; only committed rows are visible) minus the record's timestamp
     * (CreateTime, the producer's clock at send). Both clocks are this machine's; millisecond precision. The commit
     * itself follows the claim by the rest of that one transaction. With {@code liveHeap}, the application runs a full
     * collection every minute and reports the heap left.
     */
    private Steady steadyRun(String database, String label, int seconds, boolean liveHeap, Figures figures) throws Exception {
        cluster.recreate("orders");
        cluster.recreate("inventory");
        cluster.deleteServiceGroups();
        Path dir = work.resolve(label);
        int total = latencyRate * seconds;
        try (BenchDatabase db = freshDatabase(database, dir)) {
            db.prepareForApp();
            long[] sent = new long[total];
            Map<String, Integer> index = new HashMap<>();
            double achieved;
            List<Long> heapFloor;
            List<Long> live;
            List<String> jvm = new ArrayList<>(jvmArgs(label));
            if (liveHeap) {
                jvm.add("-Dbench.full-gc-seconds=60");
            }
            try (AppRun app = AppRun.start(appProperties(db, dir, "all"), xmx, jvm, logs.resolve(label + ".log"))) {
                // each service its consumers: of its topics and of their retry topics
                cluster.awaitStable(Map.of("email-service", 2, "inventory-service", 2, "analytics-service", 2, "order-service", 4));
                achieved = produceSteadily(total, sent, index);
                cluster.drain(app, List.copyOf(Cluster.GROUPS.keySet()), total,
                        Map.of("orders", 2L * total, "inventory", (long) total), DRAIN_TIMEOUT);
                resources(figures, app);
                heapFloor = app.heapFloorPerMinute();
                live = app.liveHeapMb();
            }
            Map<String, Integer> decisions = decisionIds(index);
            List<Long> toDecision = new ArrayList<>();
            List<Long> warm = new ArrayList<>();
            Map<String, List<Long>> byService = new TreeMap<>();
            // when in the run the slow ones were sent: by minute, or by 10 s in a run shorter than 2 minutes
            long bucket = seconds >= 120 ? 60_000 : 10_000;
            Map<Long, List<Long>> byTime = new TreeMap<>();
            Map<Long, List<Long>> decisionByTime = new TreeMap<>();
            Map<Long, List<Long>> firstMinute = new TreeMap<>();
            try (HikariDataSource dataSource = db.open(); Connection connection = dataSource.getConnection();
                 Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT processor_name, event_id, processed_at FROM processed_events")) {
                while (rows.next()) {
                    Integer decided = ORDER_SERVICE.equals(rows.getString(1)) ? decisions.get(rows.getString(2)) : null;
                    if (decided != null) {
                        long latency = rows.getTimestamp(3).getTime() - sent[decided];
                        toDecision.add(latency);
                        decisionByTime.computeIfAbsent((sent[decided] - sent[0]) / bucket, k -> new ArrayList<>()).add(latency);
                        if (sent[decided] - sent[0] >= 60_000) {
                            warm.add(latency);
                        } else {
                            firstMinute.computeIfAbsent((sent[decided] - sent[0]) / 10_000, k -> new ArrayList<>()).add(latency);
                        }
                    }
                    Integer i = index.get(rows.getString(2));
                    if (i != null) {
                        long latency = rows.getTimestamp(3).getTime() - sent[i];
                        byService.computeIfAbsent(rows.getString(1), k -> new ArrayList<>()).add(latency);
                        byTime.computeIfAbsent((sent[i] - sent[0]) / bucket, k -> new ArrayList<>()).add(latency);
                    }
                }
            }
            long[] decision = toDecision.isEmpty() ? null : sorted(toDecision);
            StringBuilder detail = new StringBuilder(String.format("%,d events at %,.0f events/s;", total, achieved));
            if (decision != null) {
                detail.append(String.format(" order to decision (the status change applied by order-service) p50 %d / p99 %d ms (%d),"
                        + " p50 / p99 by %d s of sending: %s;", percentile(decision, 0.5), percentile(decision, 0.99),
                        decision.length, bucket / 1000, decisionByTime.values().stream().map(values -> {
                            long[] v = sorted(values);
                            return percentile(v, 0.5) + "/" + percentile(v, 0.99);
                        }).toList()));
            }
            byService.forEach((service, values) -> {
                long[] v = sorted(values);
                detail.append(String.format(" %s p50 %d / p99 %d ms (%d);", service, percentile(v, 0.5), percentile(v, 0.99), v.length));
            });
            detail.append(" p99 by ").append(bucket / 1000).append(" s of sending, ms: ")
                    .append(byTime.values().stream().map(values -> String.valueOf(percentile(sorted(values), 0.99))).toList()).append(';');
            if (bucket > 10_000 && !firstMinute.isEmpty()) {
                detail.append(" order to decision p99 by 10 s of the first minute, ms: ").append(firstMinute.values().stream()
                        .map(values -> String.valueOf(percentile(sorted(values), 0.99))).toList()).append(';');
            }
            detail.append(" heap after GC, lowest per minute, MB: ").append(heapFloor).append(';');
            if (liveHeap) {
                detail.append(" live heap after a full collection each minute, MB: ").append(live).append(';');
            }
            System.out.println(label + ": " + detail);
            return new Steady(decision, warm.isEmpty() ? null : sorted(warm),
                    sorted(byService.values().stream().flatMap(List::stream).toList()), live, detail.toString());
        } finally {
            delete(dir);
        }
    }

    private static final String ORDER_SERVICE = "order-service";

    /**
     * All services on the pre-loaded topic, drained; then orders at {@code bench.latency.rate} for
     * {@code bench.reprocess.seconds}, and meanwhile a reprocess of {@code bench.reprocess.service} (analytics-service) from before the topic's first
     * record (POST /admin/reprocess). Reports how long the reprocess took for how many events, and the order to
     * decision latency of the orders sent while it ran against those sent after it (what it costs the running services).
     */
    private String reprocessRun(String database, String label) throws Exception {
        prepareTopics();
        cluster.deleteServiceGroups();
        Path dir = work.resolve(label);
        int total = latencyRate * reprocessSeconds;
        try (BenchDatabase db = freshDatabase(database, dir)) {
            db.prepareForApp();
            Map<String, String> properties = new HashMap<>(appProperties(db, dir, "all"));
            properties.put("admin.token", "bench");
            properties.put("reprocess.max-events-per-second", System.getProperty("bench.reprocess.rate", "0"));
            String api = "http://localhost:" + properties.get("http.port");
            long[] sent = new long[total];
            Map<String, Integer> index = new HashMap<>();
            long startedAt;
            long doneAt;
            JsonNode run;
            try (EmailsSent emails = new EmailsSent(db, events);
                 AppRun app = AppRun.start(properties, xmx, jvmArgs(label), logs.resolve(label + ".log"))) {
                cluster.drain(app, List.copyOf(Cluster.GROUPS.keySet()), events, Map.of("orders", 2L * events, "inventory", (long) events),
                        emails, DRAIN_TIMEOUT);
                CompletableFuture<Double> producing = CompletableFuture.supplyAsync(() -> produceSteadily(total, sent, index));
                HttpClient http = HttpClient.newHttpClient();
                startedAt = System.currentTimeMillis();
                HttpResponse<String> asked = http.send(HttpRequest.newBuilder(URI.create(api + "/admin/reprocess"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer bench")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("service", reprocessService,
                                "from", began.toString())))).build(), HttpResponse.BodyHandlers.ofString());
                if (asked.statusCode() != 202) {
                    throw new IllegalStateException("reprocess refused: " + asked.body());
                }
                while (true) {
                    // the newest run first
                    run = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(api + "/admin/reprocess")).build(),
                            HttpResponse.BodyHandlers.ofString()).body()).get(0);
                    if (!run.get("state").asText().equals("running")) {
                        break;
                    }
                    LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                }
                doneAt = System.currentTimeMillis();
                producing.get();
                cluster.drain(app, List.copyOf(Cluster.GROUPS.keySet()), events + total,
                        Map.of("orders", 2L * (events + total), "inventory", (long) (events + total)), DRAIN_TIMEOUT);
            }
            Map<String, Integer> decisions = decisionIds(index);
            List<Long> during = new ArrayList<>();
            List<Long> after = new ArrayList<>();
            try (HikariDataSource dataSource = db.open(); Connection connection = dataSource.getConnection();
                 PreparedStatement select = connection.prepareStatement(
                         "SELECT event_id, processed_at FROM processed_events WHERE processor_name = ?")) {
                select.setString(1, ORDER_SERVICE);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        Integer i = decisions.get(rows.getString(1));
                        if (i != null) {
                            (sent[i] < doneAt ? during : after).add(rows.getTimestamp(2).getTime() - sent[i]);
                        }
                    }
                }
            }
            double seconds = (doneAt - startedAt) / 1000.0;
            String line = String.format("reprocess of %s from the first record (reprocess.max-events-per-second "
                    + "%s): %,d events (%,d run through the event route) in %.1f s, %,.0f events/s, while %,d orders arrived at "
                    + "%d/s; order to decision p50 / p99 of those sent during it %s ms, after it %s ms",
                    reprocessService, System.getProperty("bench.reprocess.rate", "0"), run.get("events").asLong(),
                    run.get("events_done").asLong(),
                    seconds, run.get("events").asLong() / seconds, total, latencyRate, quantiles(during), quantiles(after));
            System.out.println(label + ": " + line);
            return line;
        } finally {
            delete(dir);
        }
    }

    private static String quantiles(List<Long> latencies) {
        if (latencies.isEmpty()) {
            return "(none)";
        }
        long[] v = sorted(latencies);
        return percentile(v, 0.5) + " / " + percentile(v, 0.99) + " (" + v.length + ")";
    }

    /**
     * The event ids of the status change that each sent order.created can end in, to its index: inventory-service
     * derives its result's id from the order's and the result's type, order-service the status change's from the
     * result's (EventCodec.derivedId), so order-service's claim of that id is when the order's decision is applied.
     */
    private static Map<String, Integer> decisionIds(Map<String, Integer> orders) {
        Map<String, Integer> decisions = new HashMap<>();
        orders.forEach((orderEvent, i) -> {
            for (String result : List.of("inventory.reserved", "inventory.failed")) {
                decisions.put(EventCodec.derivedId(EventCodec.derivedId(orderEvent, result), "order.status_changed"), i);
            }
        });
        return decisions;
    }

    /** Sends one new event every 1/rate s (paced on the clock, not slept per event); returns the rate achieved. */
    private double produceSteadily(int total, long[] sent, Map<String, Integer> index) {
        Random random = new Random(7);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = OrderEvents.producer(brokers, 0)) {
            for (int i = 0; i < total; i++) {
                long wait = start + (long) (i * 1e9 / latencyRate) - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                OrderEvents.Event event = OrderEvents.next(random);
                index.put(event.eventId(), i);
                int k = i;
                producer.send(OrderEvents.record(event), (metadata, e) -> {
                    if (e == null) {
                        sent[k] = metadata.timestamp();
                    } else {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the steady producer failed: " + failure.get().getMessage(), failure.get());
        }
        return total / ((System.nanoTime() - start) / 1e9);
    }

    /** bench.app.jvm-args with {run} replaced by the run's label (one JFR file per run). */
    private static List<String> jvmArgs(String run) {
        String args = System.getProperty("bench.app.jvm-args", "").trim();
        return args.isEmpty() ? List.of() : List.of(args.replace("{run}", run).split("\\s+"));
    }

    private static void resources(Figures figures, AppRun app) {
        figures.ready.add(app.readyMillis());
        figures.heap = Math.max(figures.heap, app.heapPeakBytes());
        figures.rss = Math.max(figures.rss, app.rssPeakBytes());
    }

    /** A new PostgreSQL schema, or an H2 file database in the run's directory (deleted after the run). */
    private BenchDatabase freshDatabase(String database, Path dir) throws Exception {
        return database.equals("postgresql") ? BenchDatabase.postgres(postgresUrl, postgresUser) : BenchDatabase.h2(dir.resolve("db"));
    }

    private Map<String, String> appProperties(BenchDatabase db, Path dataDir, String services) throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return Map.of("kafka.brokers", brokers, "data.dir", dataDir.toAbsolutePath().toString(), "db.url", db.url,
                    "db.user", db.user, "http.port", String.valueOf(socket.getLocalPort()),
                    "services", services);
        }
    }

    /**
     * Every e-mail the run owes is in the outbox and sent (one per order.created, and with all routes one per status
     * change). Its pool opens at the first check, once the application holds the database: an H2 file is served by the
     * process that opened it first (AUTO_SERVER), and that must be the application.
     */
    private static final class EmailsSent implements Callable<Boolean>, AutoCloseable {

        private final BenchDatabase db;
        private final long events;
        private HikariDataSource dataSource;
        private long lastCheck = System.nanoTime() - 1_000_000_000L;

        EmailsSent(BenchDatabase db, long events) {
            this.db = db;
            this.events = events;
        }

        @Override
        public Boolean call() throws SQLException {
            // once a second: the drain asks every 100 ms, and the check is a query on the application's database
            if (System.nanoTime() - lastCheck < 1_000_000_000L) {
                return false;
            }
            lastCheck = System.nanoTime();
            if (dataSource == null) {
                dataSource = db.open();
            }
            // two counts the database answers without reading the table: its size, and the unsent rows from their index
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                return count(statement, "SELECT COUNT(*) FROM email_outbox") >= events
                        && count(statement, "SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL") == 0;
            }
        }

        private static long count(Statement statement, String sql) throws SQLException {
            try (ResultSet rows = statement.executeQuery(sql)) {
                rows.next();
                return rows.getLong(1);
            }
        }

        @Override
        public void close() {
            if (dataSource != null) {
                dataSource.close();
            }
        }
    }

    /**
     * The database work per order.created of the run, from PostgreSQL's statistics: transactions committed (the whole
     * database's, so the benchmark's few checks are in it), and rows inserted / updated / deleted per table.
     */
    private String writesPerOrder(BenchDatabase db, long commitsBefore, Map<String, long[]> rowsBefore) throws SQLException {
        // the application's connections have closed: their backends have reported their counts, or do within a second
        long commits = db.commits() - commitsBefore;
        StringBuilder line = new StringBuilder(String.format("database work: %,d transactions committed (%.1f per 1,000 orders); "
                + "rows inserted/updated/deleted per order:", commits, 1000.0 * commits / events));
        long total = 0;
        for (Map.Entry<String, long[]> table : db.rowsWritten().entrySet()) {
            long[] before = rowsBefore.getOrDefault(table.getKey(), new long[3]);
            long[] rows = table.getValue();
            long written = rows[0] - before[0] + rows[1] - before[1] + rows[2] - before[2];
            if (written > 0) {
                total += written;
                line.append(String.format(" %s %.2f/%.2f/%.2f", table.getKey(), (double) (rows[0] - before[0]) / events,
                        (double) (rows[1] - before[1]) / events, (double) (rows[2] - before[2]) / events));
            }
        }
        return line.append(String.format("; %.2f rows in all", (double) total / events)).toString();
    }

    /** Rows of processed_events per service after the run: each service must have done real work on every event. */
    private static Map<String, Long> processedCounts(BenchDatabase db) throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        try (HikariDataSource dataSource = db.open(); Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT processor_name, COUNT(*) FROM processed_events GROUP BY processor_name")) {
            while (rows.next()) {
                counts.put(rows.getString(1), rows.getLong(2));
            }
        }
        return counts;
    }

    private static String dlqNote(long deadLettered) {
        return deadLettered == 0 ? "" : "; WARNING: " + deadLettered + " events dead-lettered during the run";
    }

    private static final Map<String, String> NAMES = new LinkedHashMap<>();

    static {
        NAMES.put("baselineA", "baseline A: kafka-clients, Jackson parse, commitSync per poll");
        NAMES.put("baselineB", "baseline B: Camel kafka: + idempotent consumer, stock JdbcMessageIdRepository, HikariCP");
        NAMES.put("claims", "floor: the durable duplicate check alone (2,000 claims per commit; no Kafka, no Camel)");
        for (String service : List.of("email-service", "inventory-service", "analytics-service", "order-service")) {
            NAMES.put(BASELINE_C + service, "baseline C for " + service + ": kafka-clients + JDBC, same rows, a transaction per poll");
        }
        NAMES.put("email-service", "email-service alone (consumer + outbox sender)");
        NAMES.put("inventory-service", "inventory-service alone (reserve + publish result)");
        NAMES.put("analytics-service", "analytics-service alone (batch consumer)");
        NAMES.put("order-service", "order-service alone (orders table)");
        NAMES.put(ALL, "all routes together (4 groups, + inventory results and status changes)");
    }

    private String table(String database, Figures f) {
        StringBuilder out = new StringBuilder(String.format("%n%s: %,d events, median of %d run(s)%n", database, events, runs));
        out.append(String.format("| %-90s | %23s | %13s |%n", "figure", "events/s", "vs baseline A"));
        out.append(String.format("|%s|%s:|%s:|%n", "-".repeat(92), "-".repeat(24), "-".repeat(14)));
        double a = f.rates.containsKey("baselineA") ? median(f.rates.get("baselineA")) : Double.NaN;
        f.rates.forEach((name, values) -> out.append(String.format("| %-90s | %,23.0f | %13.3f |%n",
                name.endsWith(WARM) ? "  the same, second half of the events (the application's JIT compiler done)"
                        : NAMES.getOrDefault(name, name), median(values), median(values) / a)));
        versusBaselineC(f).forEach((service, ratio) -> out.append(String.format("| %-90s | %23.3f | %13s |%n",
                "ratio: " + service + " alone / baseline C for " + service + " (medians)", ratio, "")));
        if (!f.steady.isEmpty()) {
            String at = String.format("at a steady %,d orders/s for %d s, median of %d run(s)", latencyRate, latencySeconds, f.steady.size());
            row(out, "order to decision p50 / p99 over the whole run, cold start included, ms, " + at,
                    medianOf(f.steady, Steady::decision, 0.5) + " / " + medianOf(f.steady, Steady::decision, 0.99));
            row(out, "  the same, after the first minute (warm JVM), ms", medianOf(f.steady, Steady::warmDecision, 0.5) + " / "
                    + medianOf(f.steady, Steady::warmDecision, 0.99));
            row(out, "  every event in every service, produced to claimed, p50 / p99, ms",
                    medianOf(f.steady, Steady::latency, 0.5) + " / " + medianOf(f.steady, Steady::latency, 0.99));
        }
        if (f.heapRun != null) {
            List<Long> live = f.heapRun.liveHeap();
            row(out, String.format("live heap after a full collection, each minute of %d at %,d orders/s, MB", heapMinutes, latencyRate),
                    live.toString());
            if (live.size() >= 2) {
                row(out, "  its growth from the first minute's reading to the last, %", String.format("%+.1f",
                        100.0 * (live.get(live.size() - 1) - live.get(0)) / live.get(0)));
            }
        }
        out.append(String.format("| %-90s | %23s | %13s |%n", "application peak heap / peak RSS, MB (all runs)",
                mb(f.heap) + " / " + mb(f.rss), ""));
        out.append(String.format("| %-90s | %23s | %13s |%n", "application start-to-ready, ms (JVM spawn to Camel started, median)",
                medianReady(f), ""));
        f.steady.forEach(steady -> out.append("steady run: ").append(steady.detail()).append('\n'));
        if (f.reprocess != null) {
            out.append(f.reprocess).append('\n');
        }
        if (f.heapRun != null) {
            out.append("heap run: ").append(f.heapRun.detail()).append('\n');
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String figure, String value) {
        out.append(String.format("| %-90s | %23s | %13s |%n", figure, value, ""));
    }

    /** The median over the runs of one percentile of one of their figures; -1 if no run has it. */
    private static long medianOf(List<Steady> runs, Function<Steady, long[]> figure, double q) {
        List<Double> values = runs.stream().map(figure).filter(Objects::nonNull).map(v -> (double) percentile(v, q)).toList();
        return values.isEmpty() ? -1 : median(values).longValue();
    }

    private static String resultLine(String database, Figures f) {
        StringBuilder line = new StringBuilder(database);
        f.rates.forEach((name, values) -> line.append(String.format(" %s=%.0f", name.replace("-service", "").replace(WARM, "_2nd"),
                median(values))));
        versusBaselineC(f).forEach((service, ratio) -> line.append(String.format(" %s_vs_C=%.3f", service.replace("-service", ""), ratio)));
        if (!f.steady.isEmpty()) {
            line.append(String.format(" decision_p50=%dms decision_p99=%dms decision_warm_p99=%dms event_p99=%dms",
                    medianOf(f.steady, Steady::decision, 0.5), medianOf(f.steady, Steady::decision, 0.99),
                    medianOf(f.steady, Steady::warmDecision, 0.99), medianOf(f.steady, Steady::latency, 0.99)));
        }
        if (f.heapRun != null) {
            line.append(" live_heap_mb=").append(f.heapRun.liveHeap().toString().replace(" ", ""));
        }
        return line.append(String.format(" heap=%dMB rss=%dMB ready=%dms", mb(f.heap), mb(f.rss),
                medianReady(f))).toString();
    }

    /** Each service's median events/s divided by its baseline C's, for the services that have both figures. */
    private static Map<String, Double> versusBaselineC(Figures f) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        f.rates.forEach((name, values) -> {
            String service = name.startsWith(BASELINE_C) ? name.substring(BASELINE_C.length()) : null;
            if (service != null && f.rates.containsKey(service)) {
                ratios.put(service, median(f.rates.get(service)) / median(values));
            }
        });
        return ratios;
    }

    private static long medianReady(Figures f) {
        return f.ready.isEmpty() ? -1 : median(f.ready.stream().map(Long::doubleValue).toList()).longValue();
    }

    private static Double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static long[] sorted(List<Long> values) {
        long[] array = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(array);
        return array;
    }

    private static long percentile(long[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
