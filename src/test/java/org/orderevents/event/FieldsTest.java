package org.orderevents.event;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static boolean parses(String value) {
        try {
            Instant.parse(value);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
