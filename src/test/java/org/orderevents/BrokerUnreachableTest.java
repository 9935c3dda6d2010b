package org.orderevents;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.orderevents.kafka.EmbeddedKafka;
import org.orderevents.kafka.TopicSetup;

import java.nio.file.Files;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker goes away while the application runs: the API answers 503 and saves nothing. */
class BrokerUnreachableTest extends OrderEventsTestSupport {

    private EmbeddedKafka ownBroker;

    @Override
    protected Map<String, String> overrideProperties() {
        try {
            // a broker of this test's own, so that stopping it leaves the other tests' broker alone
            ownBroker = EmbeddedKafka.start(Files.createTempDirectory("order-events-own-kafka"), 0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        TopicSetup.createMissing(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ownBroker.bootstrapServers()), 3, (short) 1);
        return Map.of("kafka.brokers", ownBroker.bootstrapServers(), "camel.main.shutdown-timeout", "5");
    }

    @Test
    void answers503AndSavesNothing() throws Exception {
        String body = "{\"user_id\":\"user_1\",\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":1,\"price\":1}]}";
        assertThat(http("POST", "/orders", body).statusCode()).as("while the broker is up").isEqualTo(201);

        ownBroker.close();
        HttpResponse<String> response = http("POST", "/orders", body);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(json(response.body()).get("title").asText()).isEqualTo("Kafka unavailable");
        assertThat(queryLong("SELECT COUNT(*) FROM orders")).as("only the order accepted before the outage").isEqualTo(1);
    }
}
