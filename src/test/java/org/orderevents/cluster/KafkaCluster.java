package org.orderevents.cluster;

import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeLogDirsOptions;
import org.apache.kafka.clients.admin.DescribeMetadataQuorumOptions;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A Kafka cluster of stock 3.9.1 brokers, each a KRaft combined node ({@code process.roles=broker,controller}, every
 * node a voter of the metadata quorum) in a JVM of its own ({@code kafka.Kafka server.properties}, from the
 * kafka_2.13 jar of the test classpath), so that a test can stop, kill and restart one broker the way an operator or a
 * crash does.
 *
 * <p>Broker {@code i} ({@code 0 <= i < size()}) has node id {@code i}, two free ports on localhost (clients, controller)
 * kept across restarts, and lives in {@code <dir>/broker-<i>/}: {@code server.properties}, {@code data/} (formatted
 * once, at {@link #start}, with the cluster's one id) and {@code broker.log} (its output; every failure names it).
 *
 * <p>Settings of a production cluster, not of a test broker: replication factor 3 for topics and the internal topics,
 * {@code min.insync.replicas} 2, no automatic topic creation (with fewer than three brokers, as many as there are).
 * Sized for a machine that runs several of them and the application's processes besides: a 256 MB heap, few threads,
 * a small log-cleaner buffer, 6 partitions for each internal topic.
 */
public final class KafkaCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCluster.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(3);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-Xms64m", "-XX:+UseSerialGC", "-Djava.awt.headless=true");

    private final String clusterId;
    private final List<Broker> brokers;
    private final Map<String, String> overrides;
    private final Thread killOnExit = new Thread(this::killAll, "kafka-cluster-kill-on-exit");
    private boolean closed;

    /** One node: its ports and files stay the same across restarts; its process changes. */
    private static final class Broker {
        final int id;
        final int port;
        final int controllerPort;
        final Path dir;
        Process process;

        Broker(int id, int port, int controllerPort, Path dir) {
            this.id = id;
            this.port = port;
            this.controllerPort = controllerPort;
            this.dir = dir;
        }

        Path properties() {
            return dir.resolve("server.properties");
        }

        Path log() {
            return dir.resolve("broker.log");
        }

        String address() {
            return "localhost:" + port;
        }

        boolean running() {
            return process != null && process.isAlive();
        }
    }

    private KafkaCluster(String clusterId, List<Broker> brokers, Map<String, String> overrides) {
        this.clusterId = clusterId;
        this.brokers = brokers;
        this.overrides = overrides;
    }

    /**
     * Formats and starts {@code size} brokers under {@code dir} and returns once every one of them is registered and
     * unfenced (describeCluster lists them all), answers clients itself, and the metadata quorum has a leader.
     */
    public static KafkaCluster start(int size, Path dir) {
        return start(size, dir, Map.of());
    }

    /** {@link #start(int, Path)} with broker settings of the caller's added or replacing the fixture's. */
    public static KafkaCluster start(int size, Path dir, Map<String, String> settings) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one broker, got " + size);
        }
        long startNanos = System.nanoTime();
        int[] ports = freePorts(2 * size);
        List<Broker> brokers = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            brokers.add(new Broker(i, ports[2 * i], ports[2 * i + 1], dir.toAbsolutePath().normalize().resolve("broker-" + i)));
        }
        KafkaCluster cluster = new KafkaCluster(Uuid.randomUuid().toString(), brokers, Map.copyOf(settings));
        Runtime.getRuntime().addShutdownHook(cluster.killOnExit);
        try {
            for (Broker broker : brokers) {
                cluster.writeProperties(broker);
                cluster.format(broker);
            }
            for (Broker broker : brokers) {
                cluster.launch(broker);
            }
            cluster.awaitServing(brokers, "the cluster's start");
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        LOG.info("Kafka cluster of {} brokers on {} started in {} ms (cluster id {}, data in {})", size,
                cluster.bootstrapServers(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), cluster.clusterId, dir);
        return cluster;
    }

    /**
     * {@code target/kafka-cluster/<name>}, emptied: a cluster's directory that outlives the test, so that the brokers'
     * logs a failure names are still there to read.
     */
    public static Path directory(String name) {
        Path dir = Path.of("target", "kafka-cluster", name).toAbsolutePath();
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(file);
                    }
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot empty " + dir, e);
        }
    }

    /** Every broker's client address, running or not: {@code localhost:p0,localhost:p1,...}. */
    public String bootstrapServers() {
        return brokers.stream().map(Broker::address).collect(Collectors.joining(","));
    }

    /** The client address of broker {@code i}. */
    public String bootstrapServers(int i) {
        return broker(i).address();
    }

    public int size() {
        return brokers.size();
    }

    public String clusterId() {
        return clusterId;
    }

    /** The file that broker {@code i}'s output goes to (appended to across restarts). */
    public Path log(int i) {
        return broker(i).log();
    }

    public boolean isRunning(int i) {
        return broker(i).running();
    }

    /** SIGTERM: the broker's own controlled shutdown. Returns once its JVM has ended. */
    public void stop(int i) {
        Broker broker = broker(i);
        if (!broker.running()) {
            return;
        }
        // through the handle: Process.destroy() would also close our ends of its pipes
        broker.process.toHandle().destroy();
        try {
            if (!broker.process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                broker.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new IllegalStateException("broker " + i + " did not stop within " + STOP_TIMEOUT.toSeconds()
                        + " s of SIGTERM and was killed; see " + broker.log() + tail(broker));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping broker " + i, e);
        }
        LOG.info("Kafka broker {} ({}) stopped, exit code {}", i, broker.address(), broker.process.exitValue());
    }

    /** SIGKILL: nothing flushed, no controlled shutdown. Returns once its JVM has ended. */
    public void kill(int i) {
        Broker broker = broker(i);
        if (!broker.running()) {
            return;
        }
        broker.process.destroyForcibly();
        try {
            if (!broker.process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("broker " + i + " still runs 30 s after SIGKILL; see " + broker.log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing broker " + i, e);
        }
        LOG.info("Kafka broker {} ({}) killed", i, broker.address());
    }

    /**
     * Starts broker {@code i} again (stopping it first if it runs) on its ports and data, and returns once it is back
     * in the cluster: registered and unfenced, and answering clients itself.
     */
    public void restart(int i) {
        Broker broker = broker(i);
        stop(i);
        long startNanos = System.nanoTime();
        launch(broker);
        awaitServing(List.of(broker), "the restart of broker " + i);
        LOG.info("Kafka broker {} ({}) back in the cluster in {} ms", i, broker.address(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    /** Kills every broker still running (the data is the caller's: {@code dir} is left as it is). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down already: the hook runs anyway
        }
    }

    private void killAll() {
        brokers.stream().filter(Broker::running).forEach(broker -> broker.process.destroyForcibly());
        for (Broker broker : brokers) {
            if (broker.process != null) {
                try {
                    broker.process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private Broker broker(int i) {
        if (i < 0 || i >= brokers.size()) {
            throw new IllegalArgumentException("no broker " + i + " in a cluster of " + brokers.size());
        }
        return brokers.get(i);
    }

    private Map<String, String> settings(Broker broker) {
        int replication = Math.min(3, brokers.size());
        int minInSync = Math.min(2, replication);
        String voters = brokers.stream().map(b -> b.id + "@localhost:" + b.controllerPort).collect(Collectors.joining(","));
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(broker.id));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://localhost:" + broker.port + ",CONTROLLER://localhost:" + broker.controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + broker.port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", broker.dir.resolve("data").toString());
        // a production cluster's replication
        p.put("default.replication.factor", String.valueOf(replication));
        p.put("min.insync.replicas", String.valueOf(minInSync));
        p.put("offsets.topic.replication.factor", String.valueOf(replication));
        p.put("transaction.state.log.replication.factor", String.valueOf(replication));
        p.put("transaction.state.log.min.isr", String.valueOf(minInSync));
        p.put("auto.create.topics.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");
        // sized for a shared machine with two cores: fewer internal partitions and threads, a small cleaner buffer
        // (its default, 128 MB, is allocated on the heap at start-up)
        p.put("num.partitions", "3");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("background.threads", "4");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        // a broker that cannot catch up exits instead of waiting for ever
        p.put("server.max.startup.time.ms", String.valueOf(START_TIMEOUT.toMillis()));
        p.putAll(overrides);
        return p;
    }

    private void writeProperties(Broker broker) {
        StringBuilder text = new StringBuilder("# broker " + broker.id + " of a KafkaCluster (test fixture), cluster id "
                + clusterId + "\n");
        settings(broker).forEach((key, value) -> text.append(key).append('=').append(value.replace("\\", "\\\\")).append('\n'));
        try {
            Files.createDirectories(broker.dir);
            Files.writeString(broker.properties(), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + broker.properties(), e);
        }
    }

    /** {@code kafka-storage.sh format}, in this JVM: {@code execute} returns where {@code main} would exit. */
    private void format(Broker broker) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc;
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {"format", "--config", broker.properties().toString(), "--cluster-id", clusterId}, print);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot format " + broker.dir.resolve("data") + ": " + e.getMessage(), e);
        }
        if (rc != 0) {
            throw new IllegalStateException("kafka-storage format of " + broker.dir.resolve("data") + " returned " + rc + ": "
                    + out.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private void launch(Broker broker) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-Dlog4j2.configurationFile=" + logConfiguration());
        command.add("-cp");
        command.add(brokerClasspath());
        command.add("kafka.Kafka");
        command.add(broker.properties().toString());
        try {
            Files.writeString(broker.log(), "=== " + Instant.now() + " starting broker " + broker.id + ": "
                    + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            broker.process = new ProcessBuilder(command).directory(broker.dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(broker.log().toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start broker " + broker.id + "; see " + broker.log(), e);
        }
    }

    private static String logConfiguration() {
        URL config = KafkaCluster.class.getResource("/log4j2-broker.xml");
        if (config == null) {
            throw new IllegalStateException("log4j2-broker.xml is not on the test classpath");
        }
        return config.toString();
    }

    /** The jars of the test's classpath, less the test-only ones: the broker needs only Kafka's and a logger's. */
    private static String brokerClasspath() {
        String testClasspath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(testClasspath.split(File.pathSeparator))
                .filter(entry -> entry.endsWith(".jar"))
                .filter(entry -> !entry.matches(".*(junit|camel-test|assertj|opentest4j|apiguardian|surefire|failsafe).*"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * Waits until each of these brokers answers clients itself (describeLogDirs is sent to the broker named) and is
     * listed by describeCluster (registered, caught up with the metadata, unfenced), and the quorum has a leader. Fails
     * at once if one of their JVMs ends.
     */
    private void awaitServing(List<Broker> which, String what) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        int timeoutMs = (int) CHECK_TIMEOUT.toMillis();
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "kafka-cluster-readiness",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
                AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        List<Integer> ids = which.stream().map(b -> b.id).toList();
        String state = "no answer yet";
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                for (Broker broker : which) {
                    if (!broker.running()) {
                        throw new IllegalStateException("broker " + broker.id + " ended during " + what + " (exit code "
                                + broker.process.exitValue() + "); see " + broker.log() + tail(broker));
                    }
                }
                try {
                    Set<Integer> listed = new TreeSet<>();
                    for (Node node : admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).nodes()
                            .get(timeoutMs + 1000L, TimeUnit.MILLISECONDS)) {
                        listed.add(node.id());
                    }
                    QuorumInfo quorum = admin.describeMetadataQuorum(new DescribeMetadataQuorumOptions().timeoutMs(timeoutMs))
                            .quorumInfo().get(timeoutMs + 1000L, TimeUnit.MILLISECONDS);
                    if (!listed.containsAll(ids)) {
                        state = "describeCluster lists brokers " + listed + ", waiting for " + ids;
                    } else if (quorum.leaderId() < 0) {
                        state = "the metadata quorum has no leader";
                    } else if (!caughtUp(admin, quorum.highWatermark(), timeoutMs)) {
                        // a broker answers describeCluster from its own copy of the metadata log: wait for every copy
                        state = "a broker's metadata log is behind the quorum's high watermark " + quorum.highWatermark();
                    } else {
                        admin.describeLogDirs(ids, new DescribeLogDirsOptions().timeoutMs(timeoutMs)).allDescriptions()
                                .get(timeoutMs + 1000L, TimeUnit.MILLISECONDS);
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for " + what, e);
                } catch (Exception e) {
                    state = String.valueOf(e.getCause() != null ? e.getCause() : e);
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
        }
        throw new IllegalStateException(what + " did not complete within " + START_TIMEOUT.toSeconds() + " s: " + state
                + "; see " + which.stream().map(b -> b.log().toString()).collect(Collectors.joining(", "))
                + which.stream().map(KafkaCluster::tail).collect(Collectors.joining()));
    }

    /**
     * Whether the metadata log of every running broker has reached {@code highWatermark}, read from the quorum again, so
     * that each broker's view includes what the one that answered describeCluster had seen.
     */
    private boolean caughtUp(Admin admin, long highWatermark, int timeoutMs) throws Exception {
        QuorumInfo quorum = admin.describeMetadataQuorum(new DescribeMetadataQuorumOptions().timeoutMs(timeoutMs))
                .quorumInfo().get(timeoutMs + 1000L, TimeUnit.MILLISECONDS);
        Map<Integer, Long> logEnd = new HashMap<>();
        for (QuorumInfo.ReplicaState replica : quorum.voters()) {
            logEnd.put(replica.replicaId(), replica.logEndOffset());
        }
        for (QuorumInfo.ReplicaState replica : quorum.observers()) {
            logEnd.put(replica.replicaId(), replica.logEndOffset());
        }
        return quorum.highWatermark() >= highWatermark
                && brokers.stream().filter(Broker::running).allMatch(b -> logEnd.getOrDefault(b.id, -1L) >= highWatermark);
    }

    /** The last lines of the broker's log, for a failure's message. */
    private static String tail(Broker broker) {
        try {
            List<String> lines = Files.readAllLines(broker.log(), StandardCharsets.UTF_8);
            return "\n--- last lines of " + broker.log() + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    /** Distinct free ports, all held open until every one is found. */
    static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress("localhost", 0));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find " + count + " free ports on localhost", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is free all the same
                }
            }
        }
    }

    @Override
    public String toString() {
        return "KafkaCluster[" + IntStream.range(0, brokers.size())
                .mapToObj(i -> i + "=" + brokers.get(i).address() + (brokers.get(i).running() ? "" : " (down)"))
                .collect(Collectors.joining(", ")) + "]";
    }
}
