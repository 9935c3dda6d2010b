package org.orderevents;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A route whose retry policy says {@code mode=blocking}: a failing event is retried where it is, with the route's own
 * delays, holding its partition, then dead-lettered with its attempts; nothing is parked.
 */
class BlockingRetryTest extends OrderEventsTestSupport {

    private static final String GROUP = "blocking-test";
    /** The route's policy: 2 retries, 300 ms then 600 ms; the suite's retry.* defaults are 100 ms then 200 ms. */
    private static final String POLICY = "retries=2 delay=300 multiplier=2 mode=blocking";
    private static final long FIRST_DELAY_MS = 300;
    private static final long SECOND_DELAY_MS = 600;

    /** The times the event route was called, per record key. */
    private final Map<String, List<Long>> calls = new ConcurrentHashMap<>();

    @Test
    void aFailingEventIsRetriedInPlaceByItsRoutesPolicyAndHoldsItsPartition() throws Exception {
        String topic = "blocking-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1), new NewTopic(topic + ".dlq", 3, (short) 1))).all().get();
        }
        // three keys on one partition, in this order: one that always fails, one that fails twice, one that never fails
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (String key : List.of("broken", "flaky", "later")) {
                producer.send(new ProducerRecord<>(topic, 0, key, "{\"key\":\"" + key + "\"}")).get();
            }
        }

        // a lambda, not a RouteBuilder class, which camel-main's route discovery would pick up in every other test
        RouteBuilder.addRoutes(context, routes -> {
            routes.from("kafka:" + topic + "?groupId=" + GROUP + "&batching=true&pollTimeoutMs=100&batchingIntervalMs=20")
                    .routeId(GROUP).routeConfigurationId("event-batches")
                    .bean("eventBatch", "process(*, 'direct:blocking-test-event', '" + POLICY + "')");
            routes.from("direct:blocking-test-event").routeId("blocking-test-event").routeConfigurationId("called-routes")
                    .process(exchange -> {
                        String key = new String(exchange.getMessage().getHeader(KafkaConstants.KEY, byte[].class),
                                StandardCharsets.UTF_8);
                        List<Long> times = calls.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
                        times.add(System.currentTimeMillis());
                        if (key.equals("broken") || (key.equals("flaky") && times.size() <= 2)) {
                            throw new IllegalStateException(key + " failed at call " + times.size());
                        }
                    });
        });

        Poll.until("the later key processed", Duration.ofSeconds(30), () -> calls.containsKey("later"));
        ConsumerRecord<byte[], byte[]> letter = deadLetter(topic, "broken", GROUP);
        assertThat(header(letter, "dlq.attempts")).isEqualTo("3");
        assertThat(header(letter, "dlq.exception.message")).isEqualTo("broken failed at call 4");

        // its batch's try, then alone: the first attempt and the policy's two retries, with the policy's delays
        List<Long> broken = calls.get("broken");
        assertThat(broken).hasSize(4);
        assertThat(broken.get(2) - broken.get(1)).isGreaterThanOrEqualTo(FIRST_DELAY_MS);
        assertThat(broken.get(3) - broken.get(2)).isGreaterThanOrEqualTo(SECOND_DELAY_MS);
        // the flaky key passed at its first retry and was not dead-lettered
        assertThat(calls.get("flaky")).hasSize(3);
        assertThat(records(topic + ".dlq", r -> "flaky".equals(text(r.key())), 1, Duration.ofSeconds(2))).isEmpty();
        // in place: the partition waited for both, so the later key came after their last attempts
        assertThat(calls.get("later")).hasSize(1);
        assertThat(calls.get("later").get(0)).isGreaterThanOrEqualTo(broken.get(3)).isGreaterThanOrEqualTo(calls.get("flaky").get(2));
        assertThat(queryLong("SELECT COUNT(*) FROM parked_events WHERE group_id = '" + GROUP + "'")).isZero();
    }
}
