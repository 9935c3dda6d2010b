package benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import org.orderevents.event.EventCodec;
import org.orderevents.event.Json;
import org.orderevents.event.OrderCreated;
import org.orderevents.event.Schemas;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What reading an event costs on one thread, warm: the whole {@link EventCodec#parse} (UTF-8, JSON, the schema, the
 * typed record) and the schema check alone on parsed JSON, so the reading without it is their difference.
 */
final class ValidationCost {

    record Cost(double parseMicros, double schemaMicros) {
        double withoutSchemaMicros() {
            return parseMicros - schemaMicros;
        }

        @Override
        public String toString() {
            return String.format("validation: EventCodec.parse %.2f µs per event, of which the JSON Schema check %.2f µs (%.0f %%); "
                    + "without it %.2f µs", parseMicros, schemaMicros, 100 * schemaMicros / parseMicros, withoutSchemaMicros());
        }
    }

    private ValidationCost() {
    }

    static Cost measure(List<OrderEvents.Event> events) throws Exception {
        List<byte[]> values = events.stream().limit(20_000).map(OrderEvents.Event::value).toList();
        List<JsonNode> parsed = new java.util.ArrayList<>();
        for (byte[] value : values) {
            parsed.add(Json.read(new String(value, StandardCharsets.UTF_8)));
        }
        double parse = 0;
        double schema = 0;
        // five rounds, the last three timed: the first compile the hot code
        for (int round = 0; round < 5; round++) {
            long start = System.nanoTime();
            for (byte[] value : values) {
                EventCodec.parse(value);
            }
            long middle = System.nanoTime();
            for (JsonNode node : parsed) {
                Schemas.validate(OrderCreated.TYPE, node);
            }
            long end = System.nanoTime();
            if (round >= 2) {
                parse += (middle - start) / 1000.0 / values.size() / 3;
                schema += (end - middle) / 1000.0 / values.size() / 3;
            }
        }
        return new Cost(parse, schema);
    }
}
