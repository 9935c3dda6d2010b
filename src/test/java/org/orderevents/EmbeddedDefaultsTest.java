package org.orderevents;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Out of the box: with kafka.brokers empty the application brings its own broker, under the data directory. */
class EmbeddedDefaultsTest extends OrderEventsTestSupport {

    @Override
    protected Map<String, String> overrideProperties() {
        // any free port rather than 9092, so the test cannot collide with a broker already running here
        return Map.of("kafka.brokers", "", "kafka.embedded.port", "0");
    }

    @Test
    void startsTheEmbeddedBrokerAndRunsTheWholePipelineOnIt() throws Exception {
        String orderId = orderId(http("POST", "/orders", OrderRequest.of("carol").item("sticker", "Camel sticker", 4, "0.5").json()).body());

        awaitRounds("order-service-inventory", "SELECT COUNT(*) FROM orders WHERE order_id = '" + orderId
                + "' AND status = 'confirmed'", confirmed -> confirmed == 1);
        assertThat(json(http("GET", "/orders/" + orderId, null).body()).get("status").asText()).isEqualTo("confirmed");
        assertThat(context.resolvePropertyPlaceholders("{{kafka.brokers}}")).isNotEqualTo(TestBroker.bootstrapServers());
        assertThat(Files.exists(dataDir.resolve("kafka/kafka-logs/meta.properties"))).as("its data under data.dir/kafka").isTrue();
    }
}
