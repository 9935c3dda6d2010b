package benchmark;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The real application ({@link BenchApp}, i.e. {@code org.orderevents.App}) in a child JVM, as a user runs it: the
 * project directory as working directory (its {@code application.properties} and {@code routes/}), overridden by
 * {@code -D} options.
 * <p>
 * A child JVM rather than a second {@code Main} in the benchmark's JVM: its resident set (VmHWM) is the
 * application's alone, not the broker's and the baselines'; each run starts with a cold JVM and an empty heap, as a
 * deployment does; and start-to-ready includes the JVM's own start.
 */
final class AppRun implements AutoCloseable {

    private final Process process;
    private final long spawnedNanos = System.nanoTime();
    private final CompletableFuture<Long> ready = new CompletableFuture<>();
    private volatile long heapPeak;
    /** Heap used after each garbage collection: milliseconds since the spawn, bytes. */
    private final List<long[]> afterGc = Collections.synchronizedList(new ArrayList<>());
    /** Heap used after each full collection the application ran for the benchmark (bench.full-gc-seconds), bytes. */
    private final List<Long> liveHeap = Collections.synchronizedList(new ArrayList<>());

    private AppRun(Process process, Path log) {
        this.process = process;
        Thread drain = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter file = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("BENCH-GC ")) {
                        afterGc.add(new long[] {TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawnedNanos),
                                Long.parseLong(line.substring(9).trim())});
                        continue;
                    }
                    if (line.startsWith("BENCH-LIVE ")) {
                        liveHeap.add(Long.parseLong(line.substring(11).trim()));
                        continue;
                    }
                    if (line.startsWith("BENCH-HEAP ")) {
                        heapPeak = Long.parseLong(line.substring(11).trim());
                        continue;
                    }
                    file.println(line);
                    if (line.contains("(order-events) started in")) {
                        ready.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawnedNanos));
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IllegalStateException("the application exited before it started; see " + log));
        }, "bench-app-output");
        drain.setDaemon(true);
        drain.start();
    }

    /** Starts the application with these properties and returns once Camel reports it started. */
    static AppRun start(Map<String, String> properties, String xmx, List<String> jvmArgs, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + xmx, "-cp", classpath(),
                "-Dlog4j2.configurationFile=" + Path.of("src/test/resources/log4j2-app.xml").toAbsolutePath()));
        command.addAll(jvmArgs);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add(BenchApp.class.getName());
        AppRun app = new AppRun(new ProcessBuilder(command).redirectErrorStream(true).start(), log);
        try {
            app.ready.get(180, TimeUnit.SECONDS);
        } catch (Exception e) {
            app.close();
            throw new IllegalStateException("the application did not start; see " + log, e);
        }
        return app;
    }

    /**
     * The benchmark's classpath less the test classes and test-only jars (as the fault tests' AppProcess does), plus a
     * directory holding {@link BenchApp} alone: Camel main scans {@code org.orderevents} for route builders, and
     * would find the benchmark's own (baseline B) in the test classes.
     */
    private static String classpath() throws IOException {
        Path dir = Path.of("target", "bench", "app-classes");
        Path target = dir.resolve(BenchApp.class.getName().replace('.', '/') + ".class");
        Files.createDirectories(target.getParent());
        try (InputStream in = BenchApp.class.getResourceAsStream(BenchApp.class.getSimpleName() + ".class")) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return Stream.concat(Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                        .filter(entry -> !entry.endsWith("test-classes") && !entry.matches(".*(junit|camel-test|assertj|opentest4j|apiguardian).*")),
                Stream.of(dir.toAbsolutePath().toString())).collect(Collectors.joining(File.pathSeparator));
    }

    /** Milliseconds from spawning the JVM to Camel's "started" line. */
    long readyMillis() {
        return ready.join();
    }

    long heapPeakBytes() {
        return heapPeak;
    }

    /**
     * The lowest heap after a garbage collection in each minute since the spawn, in MB: what the application keeps.
     * A figure that rises minute after minute is a leak; a flat one is a heap that does not grow.
     */
    List<Long> heapFloorPerMinute() {
        Map<Long, Long> floors = new TreeMap<>();
        synchronized (afterGc) {
            for (long[] gc : afterGc) {
                floors.merge(gc[0] / 60_000, gc[1] / (1024 * 1024), Math::min);
            }
        }
        return List.copyOf(floors.values());
    }

    /** The heap after each full collection so far, in MB, in order. */
    List<Long> liveHeapMb() {
        synchronized (liveHeap) {
            return liveHeap.stream().map(bytes -> bytes / (1024 * 1024)).toList();
        }
    }

    /** The peak resident set of the JVM so far, VmHWM of /proc/&lt;pid&gt;/status (Linux), in bytes; -1 elsewhere. */
    long rssPeakBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, Camel's graceful stop (its consumers leave their groups, so the groups can be deleted right after). */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
