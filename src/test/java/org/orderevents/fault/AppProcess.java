package org.orderevents.fault;

import org.orderevents.App;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The application in a JVM of its own, started as a user starts it (same main class, routes and configuration, the
 * test's classpath), so that a test can kill it with SIGKILL or stop it with SIGTERM.
 */
public final class AppProcess implements AutoCloseable {

    private final Process process;
    private final CompletableFuture<Boolean> ready = new CompletableFuture<>();

    private AppProcess(Process process, Path log) {
        this.process = process;
        Thread drain = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter file = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    file.println(line);
                    file.flush();
                    if (line.contains("(order-events) started in")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.complete(false);
        }, "app-process-output");
        drain.setDaemon(true);
        drain.start();
    }

    /** The packaged application that {@code mvn package} builds (README, "Run it"). */
    public static final Path JAR = Path.of("target", "order-events.jar");

    /** Starts the application with these properties (as -D options) and returns once Camel has started. */
    public static AppProcess start(Map<String, String> properties, Path log) throws Exception {
        return started(launch(List.of("-cp", runtimeClasspath()), properties, List.of(App.class.getName()), log), log);
    }

    /** Starts the packaged jar as the README does ({@code java -jar target/order-events.jar}), with these -D options. */
    public static AppProcess startJar(Map<String, String> properties, Path log) throws Exception {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: the integration tests run after mvn package (mvn verify)");
        }
        return started(launch(List.of(), properties, List.of("-jar", JAR.toAbsolutePath().toString()), log), log);
    }

    private static AppProcess started(AppProcess app, Path log) throws Exception {
        if (!app.ready.get(120, TimeUnit.SECONDS)) {
            app.kill();
            throw new IllegalStateException("the application did not start; see " + log);
        }
        return app;
    }

    /** Runs the application with settings it must refuse: returns its exit code once it ended by itself. */
    public static int runUntilExit(Map<String, String> properties, Path log) throws Exception {
        try (AppProcess app = launch(List.of("-cp", runtimeClasspath()), properties, List.of(App.class.getName()), log)) {
            if (!app.process.waitFor(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the application still runs after 120 s; see " + log);
            }
            // the output is drained once the process has ended: wait for the last line
            app.ready.get(30, TimeUnit.SECONDS);
            return app.process.exitValue();
        }
    }

    /** java, the JVM options, the -D options, then what to run: a main class or {@code -jar <jar>}. */
    private static AppProcess launch(List<String> classpath, Map<String, String> properties, List<String> main, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        command.addAll(classpath);
        command.add("-Dlog4j2.configurationFile=" + Path.of("src/test/resources/log4j2-app.xml").toAbsolutePath());
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(main);
        return new AppProcess(new ProcessBuilder(command).redirectErrorStream(true).start(), log);
    }

    /**
     * The classpath a user runs the application with: the test's classpath less the test classes and test-only jars
     * (with them on it, SIGTERM ended the JVM without Camel's graceful shutdown).
     */
    private static String runtimeClasspath() {
        String testClasspath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(testClasspath.split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.matches(".*(junit|camel-test|assertj|opentest4j|apiguardian).*"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** SIGKILL: no shutdown hook, no commit, nothing flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: Camel's graceful shutdown. Returns the exit code. */
    public int stop() throws InterruptedException {
        // through the handle: Process.destroy() also closes our end of the output pipe, which loses the shutdown's log
        process.toHandle().destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the application did not stop within 90 s of SIGTERM");
        }
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
