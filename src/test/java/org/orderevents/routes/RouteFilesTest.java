package org.orderevents.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every route file under {@code routes/} is parsed by Camel's YAML DSL in the test phase, without starting anything,
 * so a mistake in one fails the build with the file, line and column (camel-yaml-dsl-validator-maven-plugin, which
 * would do this at process-classes, is not served at 4.18.0 here).
 */
class RouteFilesTest {

    @TempDir
    Path dir;

    @Test
    void everyRouteFileOfTheProjectLoads() throws Exception {
        List<Path> files;
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            files = routes.filter(file -> file.toString().endsWith(".camel.yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(8);
        List<String> failures = new ArrayList<>();
        for (Path file : files) {
            String failure = load(file);
            if (failure != null) {
                failures.add(failure);
            }
        }
        assertThat(failures).as("route files that do not load").isEmpty();
    }

    @Test
    void aMistakeIsReportedWithItsFileLineAndColumn() throws Exception {
        Path unknownStep = dir.resolve("unknown-step.camel.yaml");
        Files.writeString(unknownStep, "- route:\n    id: broken\n    from:\n      uri: timer:x\n      steps:\n        - too: mock:x\n");
        assertThat(load(unknownStep)).contains("Unknown node id: too").contains("unknown-step.camel.yaml, line 6, column 11");

        Path unclosedQuote = dir.resolve("unclosed-quote.camel.yaml");
        Files.writeString(unclosedQuote, "- route:\n    from:\n      uri: timer:x\n      steps:\n        - to: \"mock:x\n");
        assertThat(load(unclosedQuote)).contains("unclosed-quote.camel.yaml, line 5, column 15");
    }

    /** Parses the file into route definitions; null when it loads, else every message of the failure's chain. */
    private static String load(Path file) throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            Collection<RoutesBuilder> builders = PluginHelper.getRoutesLoader(context)
                    .findRoutesBuilders(ResourceHelper.resolveResource(context, "file:" + file.toAbsolutePath()));
            for (RoutesBuilder builder : builders) {
                builder.addRoutesToCamelContext(context);
            }
            return null;
        } catch (Exception e) {
            StringBuilder messages = new StringBuilder(file + ": ");
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                messages.append(cause.getMessage()).append('\n');
            }
            return messages.toString();
        }
    }
}
