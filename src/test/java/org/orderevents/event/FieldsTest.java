package org.orderevents.event;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FieldsTest {

    @Test
    void theFastInstantCheckAcceptsOnlyWhatInstantParseAccepts() {
        for (String ok : List.of("2026-11-22T10:00:00Z", "2026-11-22T10:00:00.123Z", "2024-02-29T23:59:59.123456789Z")) {
            assertThat(Fields.isPlainUtcInstant(ok)).as(ok).isTrue();
        }
        for (String bad : List.of("2026-02-29T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-31T10:00:00Z", "2026-11-22T24:00:00Z",
                "2026-11-22T10:60:00Z", "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00.1234567890Z", "2026-11-22 10:00:00Z",
                "2026-11-22T10:00:00+01:00", "2026-11-22T10:00Z", "+2026-11-22T10:00:00Z")) {
            assertThat(Fields.isPlainUtcInstant(bad)).as(bad).isFalse();
        }
        // random single-character changes of valid instants: never accepted where Instant.parse refuses
        Random random = new Random(1);
        String alphabet = "0123456789-:.TZ+ x";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder s = new StringBuilder(random.nextBoolean() ? "2024-02-29T23:59:59.999Z" : "2026-11-22T10:00:00Z");
            s.setCharAt(random.nextInt(s.length()), alphabet.charAt(random.nextInt(alphabet.length())));
            String value = s.toString();
            if (Fields.isPlainUtcInstant(value)) {
                assertThat(parses(value)).as(value).isTrue();
            }
        }
    }

    @Test
    void aDateTimeWithoutAnOffsetIsUtcWithAnyFractionOfUpToNineDigits() {
        // Python's datetime.utcnow().isoformat(): microseconds, or none on a whole second
        for (String naive : List.of("2026-12-01T10:00:00", "2026-12-01T10:00:00.123", "2026-12-01T10:00:00.123456",
                "2026-12-01T10:00:00.123456789", "2024-02-29T23:59:59.5")) {
            String instant = Fields.instant(field(naive), "created_at", "data.created_at");

            assertThat(instant).as(naive).isEqualTo(naive + "Z");
            assertThat(Instant.parse(instant)).as(naive).isEqualTo(LocalDateTime.parse(naive).toInstant(ZoneOffset.UTC));
        }
    }

    @Test
    void aDateTimeWithAnOffsetBecomesTheSameInstantInUtc() {
        List<List<String>> cases = List.of(
                List.of("2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z"),
                List.of("2026-12-01T10:00:00.123456Z", "2026-12-01T10:00:00.123456Z"),
                List.of("2026-12-01T12:00:00+02:00", "2026-12-01T10:00:00Z"),
                List.of("2026-12-01T10:00:00.123456+00:00", "2026-12-01T10:00:00.123456Z"),
                List.of("2026-12-01T04:30:00.5-05:30", "2026-12-01T10:00:00.500Z"),
                List.of("2026-12-01T01:00:00+02:00", "2026-11-30T23:00:00Z"));
        for (List<String> c : cases) {
            String instant = Fields.instant(field(c.get(0)), "timestamp", "timestamp");

            assertThat(instant).as(c.get(0)).isEqualTo(c.get(1));
            assertThat(Instant.parse(instant)).as(c.get(0)).isEqualTo(Instant.parse(c.get(0)));
        }
    }

    @Test
    void refusesWhatIsNoDateTimeNamingTheField() {
        for (String bad : List.of("yesterday", "2026-12-01", "2026-12-01T10:00", "2026-12-01 10:00:00", "2026-12-01T10:00:00.",
                "2026-12-01T10:00:00.1234567890", "2026-02-29T10:00:00", "2026-12-01T24:00:00", "2026-12-01T10:00:00+0200",
                "2026-12-01T10:00:00+02:00[Europe/Paris]", "2026-12-01T10:00:00 ", "1764583200")) {
            assertThatThrownBy(() -> Fields.instant(field(bad), "created_at", "data.created_at")).as(bad)
                    .isInstanceOf(InvalidFieldException.class)
                    .hasMessage("data.created_at: must be an ISO-8601 date-time such as 2026-11-22T10:00:00Z (UTC when it has no offset)");
        }
        JsonNode number = Json.MAPPER.createObjectNode().put("created_at", 1764583200);
        assertThatThrownBy(() -> Fields.instant(number, "created_at", "data.created_at"))
                .isInstanceOf(InvalidFieldException.class).hasMessage("data.created_at: must be a non-empty string");
        assertThatThrownBy(() -> Fields.instant(Json.MAPPER.createObjectNode(), "created_at", "data.created_at"))
                .isInstanceOf(InvalidFieldException.class).hasMessage("data.created_at: is required");
    }

    @Test
    void theFastCheckOfADateTimeWithoutOffsetAcceptsOnlyWhatLocalDateTimeParseAccepts() {
        Random random = new Random(2);
        String alphabet = "0123456789-:.TZ+ x";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder s = new StringBuilder(random.nextBoolean() ? "2024-02-29T23:59:59.123456" : "2026-12-01T10:00:00");
            s.setCharAt(random.nextInt(s.length()), alphabet.charAt(random.nextInt(alphabet.length())));
            String value = s.toString();
            if (Fields.isPlainLocalDateTime(value, value.length())) {
                assertThat(LocalDateTime.parse(value)).as(value).isNotNull();
            }
        }
    }

    @Test
    void aNumberWithinFloatingPointNoiseOfACentAmountIsThatAmount() throws Exception {
        // as Python's json.dumps writes float sums and products; the text, read as a decimal, is what the field holds
        List<List<String>> cases = List.of(
                List.of("3.3000000000000003", "3.30"), List.of("2.0999999999999996", "2.10"),
                List.of("0.30000000000000004", "0.30"), List.of("59.970000000000006", "59.97"),
                List.of("999999999.9899999", "999999999.99"), List.of("0.009999999999999998", "0.01"),
                List.of("12.340", "12.34"), List.of("91.0", "91"), List.of("12", "12"), List.of("0.0", "0"), List.of("45.50", "45.5"));
        for (List<String> c : cases) {
            assertThat(Fields.amount(Json.read("{\"total\": " + c.get(0) + "}"), "total", "data.total")).as(c.get(0))
                    .isEqualByComparingTo(c.get(1));
        }
        // a double, not a decimal: the same
        assertThat(Fields.amount(Json.MAPPER.createObjectNode().put("price", 0.1 + 0.2), "price", "items[0].price")).isEqualByComparingTo("0.30");
        assertThat(Fields.amount(Json.MAPPER.createObjectNode().put("price", 1.1 * 3), "price", "items[0].price")).isEqualByComparingTo("3.30");
    }

    @Test
    void everyFloatSumOfCentPricesIsReadAsItsExactCentAmount() {
        // the sums a Python service makes: up to 100 lines of prices in cents times quantities, added left to right
        Random random = new Random(3);
        for (int order = 0; order < 20_000; order++) {
            double total = 0;
            long cents = 0;
            int lines = 1 + random.nextInt(order % 10 == 0 ? 100 : 5);
            for (int line = 0; line < lines; line++) {
                long price = random.nextInt(order % 2 == 0 ? 1000 : 10_000_000);
                int quantity = 1 + random.nextInt(order % 3 == 0 ? 1000 : 5);
                total += (price / 100.0) * quantity;
                cents += price * quantity;
            }
            BigDecimal read = Fields.cents(BigDecimal.valueOf(total), "data.total");

            assertThat(read).as("%s lines, %s", lines, total).isEqualByComparingTo(BigDecimal.valueOf(cents, 2));
        }
    }

    @Test
    void refusesAnAmountFinerThanACentNamingTheField() throws Exception {
        for (String finer : List.of("12.345", "12.3449", "12.3451", "0.001", "0.005", "1234567.891", "999999999.994", "1E-20",
                "3.30001", "3.3000000001")) {
            assertThatThrownBy(() -> Fields.amount(Json.read("{\"total\": " + finer + "}"), "total", "data.total")).as(finer)
                    .isInstanceOf(InvalidFieldException.class)
                    .hasMessageStartingWith("data.total: must be a cent amount: ")
                    .hasMessageContaining(new BigDecimal(finer).toPlainString());
        }
        assertThatThrownBy(() -> Fields.amount(Json.read("{\"total\": 1000000000}"), "total", "data.total"))
                .isInstanceOf(InvalidFieldException.class).hasMessage("data.total: must be below 1000000000");
        assertThatThrownBy(() -> Fields.amount(Json.read("{\"total\": -0.01}"), "total", "data.total"))
                .isInstanceOf(InvalidFieldException.class).hasMessage("data.total: must be >= 0");
        assertThatThrownBy(() -> Fields.amount(Json.read("{\"total\": \"3.30\"}"), "total", "data.total"))
                .isInstanceOf(InvalidFieldException.class).hasMessage("data.total: must be a number");
    }

    @Test
    void refusesControlCharactersAndLoneSurrogatesInTextNamingTheField() throws Exception {
        List<List<String>> cases = List.of(
                List.of("u\\u0000x", "must not contain a control character (U+0000 at position 1)"),
                List.of("a\\nb", "must not contain a control character (U+000A at position 1)"),
                List.of("\\u001fab", "must not contain a control character (U+001F at position 0)"),
                List.of("ab\\u007f", "must not contain a control character (U+007F at position 2)"),
                List.of("ab\\u0085", "must not contain a control character (U+0085 at position 2)"),
                List.of("\\ud800", "must not contain a lone surrogate (U+D800 at position 0), which is no Unicode character"),
                List.of("x\\udc2a", "must not contain a lone surrogate (U+DC2A at position 1), which is no Unicode character"),
                List.of("\\ud83d\\ud83d\\udc2a", "must not contain a lone surrogate (U+D83D at position 0), which is no Unicode character"),
                List.of("\\ud83d\\udc2a\\ud83d", "must not contain a lone surrogate (U+D83D at position 2), which is no Unicode character"));
        for (List<String> c : cases) {
            JsonNode body = Json.read("{\"user_id\": \"" + c.get(0) + "\", \"reason\": \"" + c.get(0) + "\"}");
            assertThatThrownBy(() -> Fields.text(body, "user_id", "data.user_id")).as(c.get(0))
                    .isInstanceOf(InvalidFieldException.class).hasMessage("data.user_id: " + c.get(1));
            assertThatThrownBy(() -> Fields.optionalText(body, "reason", "reason")).as(c.get(0))
                    .isInstanceOf(InvalidFieldException.class).hasMessage("reason: " + c.get(1));
        }
        // a surrogate pair is one character (an emoji), and other non-ASCII text is text
        JsonNode fine = Json.read("{\"name\": \"Caf\\u00e9 \\ud83d\\udc2a \\u2014 \u00a0\u4e2d\"}");
        assertThat(Fields.text(fine, "name", "items[0].name")).isEqualTo("Caf\u00e9 \uD83D\uDC2A \u2014 \u00a0\u4e2d");
    }

    private static JsonNode field(String value) {
        return Json.MAPPER.createObjectNode().put("created_at", value).put("timestamp", value);
    }

    private static boolean parses(String value) {
        try {
            Instant.parse(value);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
