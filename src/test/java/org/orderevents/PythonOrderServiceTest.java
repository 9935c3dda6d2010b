package org.orderevents;

import org.junit.jupiter.api.Test;
import org.orderevents.PythonOrderService.Item;

import java.time.LocalDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The test's stand-in for the Python order service writes what Python 3 writes: the expected texts are Python's output. */
class PythonOrderServiceTest {

    @Test
    void writesAnOrderAsJsonDumpsDoes() {
        LocalDateTime at = LocalDateTime.of(2026, 12, 1, 10, 0, 0, 123_456_000);
        String value = PythonOrderService.orderCreated("e-1", "o-1", "u-1", List.of(
                new Item("prod_1", "Caf\u00e9 \uD83D\uDC2A \"q\" \\ \t", 3, 1.1), new Item("mug", "Camel mug \u2615", 2, 0.1)), at);

        assertThat(value).isEqualTo("{\"event_id\": \"e-1\", \"event_type\": \"order.created\", \"timestamp\": \"2026-12-01T10:00:00.123456\", "
                + "\"data\": {\"order_id\": \"o-1\", \"user_id\": \"u-1\", \"items\": [{\"product_id\": \"prod_1\", "
                + "\"name\": \"Caf\\u00e9 \\ud83d\\udc2a \\\"q\\\" \\\\ \\t\", \"quantity\": 3, \"price\": 1.1}, {\"product_id\": \"mug\", "
                + "\"name\": \"Camel mug \\u2615\", \"quantity\": 2, \"price\": 0.1}], \"total\": 3.5000000000000004, \"status\": \"pending\", "
                + "\"created_at\": \"2026-12-01T10:00:00.123456\"}}");
        assertThat(PythonOrderService.statusChanged("e-2", "o-1", "cancelled", "customer request", LocalDateTime.of(2026, 12, 1, 11, 30)))
                .isEqualTo("{\"event_id\": \"e-2\", \"event_type\": \"order.status_changed\", \"timestamp\": \"2026-12-01T11:30:00\", "
                        + "\"data\": {\"order_id\": \"o-1\", \"status\": \"cancelled\", \"reason\": \"customer request\", "
                        + "\"updated_at\": \"2026-12-01T11:30:00\"}}");
    }

    @Test
    void writesFloatsAsPythonsReprAndTimesAsIsoformat() {
        assertThat(PythonOrderService.repr(0.1 + 0.2)).isEqualTo("0.30000000000000004");
        assertThat(PythonOrderService.repr(1.1 * 3)).isEqualTo("3.3000000000000003");
        assertThat(PythonOrderService.repr(0.7 * 3)).isEqualTo("2.0999999999999996");
        assertThat(PythonOrderService.repr(91)).isEqualTo("91.0");
        assertThat(PythonOrderService.repr(123456789012345.67)).isEqualTo("123456789012345.67");
        assertThat(PythonOrderService.repr(1e-5)).isEqualTo("1e-05");
        assertThat(PythonOrderService.repr(1e16)).isEqualTo("1e+16");
        // where Java 17's Double.toString writes more digits than needed (2.82879384806159008E17)
        assertThat(PythonOrderService.repr(2.82879384806159e17)).isEqualTo("2.82879384806159e+17");
        assertThat(PythonOrderService.isoformat(LocalDateTime.of(2026, 12, 1, 10, 0))).isEqualTo("2026-12-01T10:00:00");
        assertThat(PythonOrderService.isoformat(LocalDateTime.of(2026, 12, 1, 10, 0, 0, 5_000))).isEqualTo("2026-12-01T10:00:00.000005");
    }
}
