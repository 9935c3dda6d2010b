package org.orderevents.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka broker running in-process in KRaft combined mode
 * ({@code process.roles=broker,controller}); no ZooKeeper, no Docker, no test-kit classes.
 *
 * <p>The data lives in {@code <dataDir>/kafka-logs}. The directory is formatted (cluster id written to
 * {@code meta.properties}) only the first time; later starts on the same directory reuse the cluster id,
 * the topics and the committed consumer-group offsets. {@code <dataDir>/kafka-logs.lock} keeps a second broker
 * (in this or another JVM) off a directory that is in use.
 *
 * <p>Note: like a stand-alone broker, the embedded one halts the JVM on a fatal metadata fault
 * ({@code ProcessTerminatingFaultHandler}); ordinary start-up failures are thrown as exceptions.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final int NODE_ID = 1;
    private static final String CLIENT_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String LOG_DIR_NAME = "kafka-logs";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final long RETRY_PAUSE_MS = 100;

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final DirLock dirLock;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, DirLock dirLock) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.dirLock = dirLock;
    }

    /**
     * Starts a broker whose data lives in dataDir (created if missing); port 0 = pick free ports for the client
     * listener and the controller listener. Formats the directory only the first time (keeps the cluster id in
     * meta.properties), so a second start on the same dir finds its topics and committed offsets again. Blocks
     * until the broker answers clients.
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
        }
        long startNanos = System.nanoTime();
        Path logDir = dataDir.toAbsolutePath().normalize().resolve(LOG_DIR_NAME);
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create Kafka data directory " + logDir, e);
        }
        // Kafka's own .lock is taken by the log manager only after the controller has already started writing the
        // metadata log, so a second broker on the same directory could corrupt it; refuse that up front.
        DirLock lock = DirLock.acquire(logDir.resolveSibling(LOG_DIR_NAME + ".lock"), logDir);
        try {
            EmbeddedKafka kafka = startLocked(logDir, port, lock);
            LOG.info("Embedded Kafka broker started on {} data in {} ({} ms)",
                    kafka.bootstrapServers, logDir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
            return kafka;
        } catch (RuntimeException | Error e) {
            lock.release();
            throw e;
        }
    }

    private static EmbeddedKafka startLocked(Path logDir, int port, DirLock lock) {
        int clientPort;
        if (port == 0) {
            clientPort = freePort();
        } else {
            ensurePortFree(port);
            clientPort = port;
        }
        int controllerPort = freePort();
        while (controllerPort == clientPort) {
            controllerPort = freePort();
        }

        Properties brokerProps = brokerProperties(logDir, clientPort, controllerPort);
        KafkaConfig config = new KafkaConfig(brokerProps, false); // validates before anything is written
        formatIfNeeded(brokerProps, logDir);

        String bootstrap = "localhost:" + clientPort;
        KafkaRaftServer server;
        try {
            server = new KafkaRaftServer(config, Time.SYSTEM);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot initialise embedded Kafka in " + logDir + ": " + e.getMessage(), e);
        }
        try {
            server.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(server);
            throw startupFailure(e, clientPort, controllerPort, logDir);
        }
        try {
            awaitClusterReady(bootstrap, System.nanoTime() + STARTUP_TIMEOUT.toNanos());
        } catch (RuntimeException e) {
            shutdownQuietly(server);
            throw e;
        }
        return new EmbeddedKafka(server, bootstrap, lock);
    }

    /** The client bootstrap address, e.g. {@code localhost:9092}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Shuts the broker down cleanly and waits for it; calling it again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            dirLock.release();
        }
        LOG.debug("Embedded Kafka broker on {} stopped", bootstrapServers);
    }

    static Properties brokerProperties(Path logDir, int clientPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put("listeners", CLIENT_LISTENER + "://localhost:" + clientPort + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        p.put("advertised.listeners", CLIENT_LISTENER + "://localhost:" + clientPort);
        p.put("listener.security.protocol.map", CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", CLIENT_LISTENER);
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "3");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "3");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        // bounds BrokerServer.startup() (it waits for metadata catch-up); default is Long.MAX_VALUE
        p.put("server.max.startup.time.ms", String.valueOf(STARTUP_TIMEOUT.toMillis()));
        return p;
    }

    /**
     * Formats the log directory with a fresh cluster id, unless meta.properties is already there.
     *
     * <p>Uses {@code StorageTool.execute}, the non-exiting entry point behind {@code kafka-storage.sh format}
     * ({@code main} would call {@code Exit.exit}). It delegates to {@code org.apache.kafka.metadata.storage.Formatter},
     * which cannot be referenced directly because kafka_2.13 pulls kafka-metadata in runtime scope only.
     */
    private static void formatIfNeeded(Properties brokerProps, Path logDir) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        String clusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path configFile = null;
        try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            configFile = Files.createTempFile("embedded-kafka-", ".properties");
            try (Writer w = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
                brokerProps.store(w, "embedded Kafka, used only to format " + logDir);
            }
            int rc = StorageTool.execute(
                    new String[] {"format", "--config", configFile.toString(), "--cluster-id", clusterId}, ps);
            if (rc != 0) {
                throw new IllegalStateException("kafka-storage format returned " + rc + ": "
                        + out.toString(StandardCharsets.UTF_8).trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot format Kafka data directory " + logDir, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot format Kafka data directory " + logDir + ": " + e.getMessage(), e);
        } finally {
            if (configFile != null) {
                try {
                    Files.deleteIfExists(configFile);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            throw new IllegalStateException("Formatting " + logDir + " did not write meta.properties: "
                    + out.toString(StandardCharsets.UTF_8).trim());
        }
        LOG.debug("Formatted {} with cluster id {}: {}", logDir, clusterId, out.toString(StandardCharsets.UTF_8).trim());
    }

    private static void awaitClusterReady(String bootstrap, long deadlineNanos) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        Throwable last = null;
        try (Admin admin = Admin.create(p)) {
            while (true) {
                long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
                if (remainingMs <= 0) {
                    break;
                }
                int timeoutMs = (int) Math.min(5000, Math.max(remainingMs, 1));
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs))
                            .nodes().get(timeoutMs + 1000L, TimeUnit.MILLISECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                    last = new IllegalStateException("describeCluster returned no live brokers yet");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for embedded Kafka on " + bootstrap, e);
                } catch (Exception e) {
                    last = e.getCause() != null ? e.getCause() : e;
                }
                try {
                    Thread.sleep(RETRY_PAUSE_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for embedded Kafka on " + bootstrap, e);
                }
            }
        }
        throw new IllegalStateException("Embedded Kafka broker on " + bootstrap + " did not answer describeCluster within "
                + STARTUP_TIMEOUT.toSeconds() + " s" + (last == null ? "" : ": " + last), last);
    }

    private static RuntimeException startupFailure(RuntimeException e, int clientPort, int controllerPort, Path logDir) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String msg = t.getMessage();
            if (msg != null && msg.contains("Address already in use")) {
                int busy = msg.contains(":" + controllerPort) ? controllerPort : clientPort;
                return new IllegalStateException(portBusyMessage(busy), e);
            }
        }
        return new IllegalStateException("Embedded Kafka broker failed to start (data in " + logDir + "): " + e.getMessage(), e);
    }

    private static String portBusyMessage(int port) {
        return "Cannot start embedded Kafka: port " + port + " on localhost is already in use (another Kafka broker "
                + "or process is listening there). Either set kafka.brokers to that existing cluster (e.g. localhost:"
                + port + ") so no embedded broker is started, stop the other broker, or choose another port (0 = any free port).";
    }

    private static void ensurePortFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // a TIME_WAIT left by our own previous run must not count as busy
            socket.bind(new InetSocketAddress("localhost", port));
        } catch (IOException e) {
            throw new IllegalStateException(portBusyMessage(port), e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("localhost", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on localhost", e);
        }
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException suppressed) {
            LOG.debug("Error while shutting down the embedded Kafka broker after a failed start", suppressed);
        }
    }

    /** An exclusive OS file lock next to the log directory, held for the broker's lifetime. */
    private static final class DirLock {
        private final FileChannel channel;
        private final FileLock lock;

        private DirLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static DirLock acquire(Path lockFile, Path logDir) {
            FileChannel channel;
            try {
                channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot open lock file " + lockFile, e);
            }
            FileLock lock = null;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this JVM
            } catch (IOException e) {
                closeQuietly(channel);
                throw new UncheckedIOException("Cannot lock " + lockFile, e);
            }
            if (lock == null) {
                closeQuietly(channel);
                throw new IllegalStateException("Cannot start embedded Kafka: its data directory " + logDir
                        + " is already used by another running broker (lock " + lockFile + " is held). "
                        + "Stop the other broker or give this one a different data directory.");
            }
            return new DirLock(channel, lock);
        }

        void release() {
            try {
                lock.release();
            } catch (IOException | RuntimeException e) {
                LOG.debug("Cannot release {}", lock, e);
            }
            closeQuietly(channel);
        }

        private static void closeQuietly(FileChannel channel) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing useful to do
            }
        }
    }
}
