package org.orderevents.event;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

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
