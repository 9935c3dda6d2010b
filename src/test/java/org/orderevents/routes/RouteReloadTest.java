package org.orderevents.routes;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.orderevents.OrderEventsTestSupport;
import org.orderevents.Poll;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code camel.main.routes-reload-enabled=true}, a route file added to or changed in the routes directory is
 * loaded while the application runs, and the other services run on. The routes are copied to a directory of the
 * test's own so the project's files are never touched.
 */
class RouteReloadTest extends OrderEventsTestSupport {

    private static final String PROBE = "- route:\n    id: reload-probe\n    from:\n      uri: direct:reload-probe\n"
            + "      steps:\n        - setBody:\n            constant: \"%s\"\n";

    private Path routes() {
        return dataDir.resolve("routes");
    }

    @Override
    protected Map<String, String> overrideProperties() {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            Files.createDirectories(routes());
            for (Path file : files.toList()) {
                Files.copy(file, routes().resolve(file.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("camel.main.routes-reload-enabled", "true", "routes.dir", routes().toString());
    }

    @Test
    void aRouteFileAddedAndThenChangedIsLoadedWhileTheServicesRunOn() throws Exception {
        Files.writeString(routes().resolve("reload-probe.camel.yaml"), PROBE.formatted("first"));
        Poll.until("the new route file loaded", Duration.ofSeconds(30), () -> context.getRoute("reload-probe") != null);
        assertThat(template.requestBody("direct:reload-probe", "", String.class)).isEqualTo("first");

        Files.writeString(routes().resolve("reload-probe.camel.yaml"), PROBE.formatted("second"));
        Poll.until("the changed route file loaded", Duration.ofSeconds(30),
                () -> "second".equals(template.requestBody("direct:reload-probe", "", String.class)));

        // the services of the other files were neither removed nor stopped: an order still goes all the way
        assertThat(context.getRoute("inventory-service")).isNotNull();
        String orderId = UUID.randomUUID().toString();
        NotifyBuilder confirmed = new NotifyBuilder(context).fromRoute("order-service-inventory").whenDone(1).create();
        sendEvent("orders", "order.created", "user_1", orderCreated(orderId, "user_1", "mug", 1, "9"));
        assertThat(confirmed.matches(30, SECONDS)).isTrue();
    }
}
