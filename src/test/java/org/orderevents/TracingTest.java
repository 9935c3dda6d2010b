package org.orderevents;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.orderevents.event.Json;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/** With tracing on, one trace follows an order from the API through every service, and into its dead letters and replays. */
class TracingTest extends OrderEventsTestSupport {

    /** The spans the application ended, as an OpenTelemetry exporter receives them. */
    static final class Spans implements SpanExporter {
        final List<SpanData> ended = new CopyOnWriteArrayList<>();

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            ended.addAll(spans);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    private static final Spans spans = new Spans();

    /**
     * What the OpenTelemetry Java agent does in production: it installs the global OpenTelemetry (a tracer provider
     * and the W3C propagator), which camel-opentelemetry2 takes when it starts.
     */
    static {
        GlobalOpenTelemetry.resetForTest();
        GlobalOpenTelemetry.set(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build());
    }

    private static final String TOKEN = "tracing-token";

    @Override
    protected Map<String, String> overrideProperties() {
        return Map.of("camel.opentelemetry2.enabled", "true", "admin.token", TOKEN);
    }

    @Test
    void oneTraceFromTheApiThroughEveryService() throws Exception {
        HttpResponse<String> created = http("POST", "/orders",
                OrderRequest.of("traced").item("mug", 1, "2").json());
        assertThat(created.statusCode()).isEqualTo(201);
        // the order.created and the status change: email-service's events, whichever polls they came in
        awaitHandled("email-service", 2);

        String trace = spans.ended.stream().filter(span -> "POST".equals(attribute(span, "http.method"))
                        && String.valueOf(attribute(span, "http.url")).endsWith("/orders"))
                .map(SpanData::getTraceId).findFirst().orElseThrow();
        // each consumer of orders receives order.created and order.status_changed; order-service the inventory result.
        // At least: an event route runs again for an event tried again (a result that overtook its order, say)
        List<Long> expected = List.of(2L, 2L, 2L, 1L);
        try {
            Poll.until("every service's spans in the API call's trace", Duration.ofSeconds(10), () -> atLeast(receivedByService(trace), expected));
        } catch (AssertionError e) {
            assertThat(receivedByService(trace)).as("records received in the trace by email-service, inventory-service, "
                    + "order-service on orders and on inventory").isEqualTo(expected);
        }
        // the records on the topics carry the context: a consumer outside this application continues the trace too
        String orderId = orderId(created.body());
        List<ConsumerRecord<byte[], byte[]>> records = records("orders", r -> text(r.value()).contains(orderId), 2,
                Duration.ofSeconds(10));
        assertThat(records).hasSize(2).allSatisfy(r -> assertThat(header(r, "traceparent")).contains(trace));
    }

    @Test
    void deadLettersAndReplaysStayInTheTraceOfTheFailedEvent() throws Exception {
        // a record that comes with a trace of its own (as from another traced application): its failure joins that trace
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String orderId = UUID.randomUUID().toString();
        send("inventory", "traced", Json.write(Map.of("event_id", UUID.randomUUID().toString(), "event_type", "inventory.reserved",
                "timestamp", Instant.now().toString(), "data", Map.of("order_id", orderId, "user_id", "traced",
                        "items", List.of(Map.of("product_id", "mug", "name", "mug", "quantity", 1, "price", 2))))),
                Map.of("event_type", "inventory.reserved", "traceparent", "00-" + trace + "-00f067aa0ba902b7-01"));
        ConsumerRecord<byte[], byte[]> letter = deadLetters("inventory", orderId, 1).get(0);
        assertThat(header(letter, "traceparent")).as("the dead letter's trace context").contains(trace);

        NotifyBuilder replayed = new NotifyBuilder(context).fromRoute("order-service-inventory").whenDone(1).create();
        HttpResponse<String> replay = http("POST", "/dlq/replay", "{\"topic\":\"inventory.dlq\",\"offsets\":[{\"partition\":"
                + letter.partition() + ",\"offset\":" + letter.offset() + "}]}", Map.of("Authorization", "Bearer " + TOKEN));
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(replayed.matches(30, SECONDS)).isTrue();
        List<ConsumerRecord<byte[], byte[]>> again = records("inventory", r -> "true".equals(header(r, "dlq.replayed"))
                && text(r.value()).contains(orderId), 1, Duration.ofSeconds(10));
        assertThat(again).hasSize(1);
        assertThat(header(again.get(0), "traceparent")).as("the replay's trace context").contains(trace);
        Poll.until("the replay consumed in the original trace", Duration.ofSeconds(10), () ->
                received(trace, "direct://order-service-inventory-event") >= 2);
    }

    private static boolean atLeast(List<Long> received, List<Long> expected) {
        for (int i = 0; i < expected.size(); i++) {
            if (received.get(i) < expected.get(i)) {
                return false;
            }
        }
        return true;
    }

    private static List<Long> receivedByService(String trace) {
        return List.of(received(trace, "direct://email-service-event"), received(trace, "direct://inventory-service-event"),
                received(trace, "direct://order-service-event"), received(trace, "direct://order-service-inventory-event"));
    }

    /**
     * Spans of the trace in which the application received a record from the endpoint. A service consumes a poll's
     * batch (its span has no parent: the records of a batch belong to many traces), then runs each event through its
     * event route in the event's own trace.
     */
    private static long received(String trace, String endpoint) {
        return spans.ended.stream().filter(span -> span.getTraceId().equals(trace) && "EVENT_RECEIVED".equals(attribute(span, "op"))
                && String.valueOf(attribute(span, "camel.uri")).startsWith(endpoint)).count();
    }

    private static String attribute(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }
}
