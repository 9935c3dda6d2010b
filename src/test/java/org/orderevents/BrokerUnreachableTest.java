package org.orderevents;

import org.junit.jupiter.api.Test;
import org.orderevents.kafka.EmbeddedKafka;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker goes away while the application runs: the API answers 503 and saves nothing. */
class BrokerUnreachableTest extends OrderEventsTestSupport {

    private EmbeddedKafka ownBroker;

    @Override
    protected Map<String, String> overrideProperties() {
        ownBroker = startOwnBroker();
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
