package org.orderevents.event;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.orderevents.event.TestBytes.bytes;

class JsonTest {

    @Test
    void refusesAKeyTwiceInOneObjectNamingIt() {
        List<List<String>> cases = List.of(
                List.of("{\"user_id\":\"a\",\"user_id\":\"b\",\"items\":[]}", "user_id"),
                List.of("{\"data\": {\"order_id\": \"o\", \"total\": 1, \"total\": 2}}", "data.total"),
                List.of("{\"items\":[{\"price\":1},{\"name\":\"n\",\"price\":1,\"price\":2}]}", "items[1].price"));
        for (List<String> c : cases) {
            assertThatThrownBy(() -> Json.read(c.get(0))).as(c.get(0)).isInstanceOf(InvalidFieldException.class)
                    .hasMessage(c.get(1) + ": appears twice in one object (a duplicate key)");
        }
    }

    @Test
    void refusesBytesThatAreNotUtf8NamingTheFieldTheyAreIn() {
        List<Object[]> cases = List.of(
                new Object[] {bytes("{\"user_id\":\"u", 0xff, "x\"}"), "user_id", 13, 0xff},
                new Object[] {bytes("{\"event_id\": \"e\", \"data\": {\"items\": [{\"name\": \"Caf", 0xc3, "\"}]}}"), "data.items[0].name", 50, 0xc3},
                new Object[] {bytes("{\"data\": {\"tags\": [\"ok\", \"b", 0xe2, 0x82, "\"]}}"), "data.tags[1]", 27, 0xe2},
                // overlong NUL and an encoded surrogate (CESU-8): refused, where a lenient decoder lets them through
                new Object[] {bytes("{\"user_id\": \"u", 0xc0, 0x80, "\"}"), "user_id", 14, 0xc0},
                new Object[] {bytes("{\"user_id\": \"u", 0xed, 0xa0, 0x80, "\"}"), "user_id", 14, 0xed},
                // in a key: the object holding it
                new Object[] {bytes("{\"data\": {\"order_id\": \"o\", \"us", 0xff, "r\": 1}}"), "data", 30, 0xff},
                new Object[] {bytes("{\"a\": 1, \"", 0xff, "\": 2}"), "body", 10, 0xff},
                new Object[] {bytes("", 0xfe, "{}"), "body", 0, 0xfe});
        for (Object[] c : cases) {
            byte[] value = (byte[]) c[0];
            assertThatThrownBy(() -> Json.utf8(value, "body")).as(c[1].toString()).isInstanceOf(InvalidFieldException.class)
                    .hasMessage(c[1] + ": is not valid UTF-8 (byte 0x" + String.format("%02X", (int) c[3]) + " at offset " + c[2] + ")");
        }
        // a sequence cut short at the very end
        assertThatThrownBy(() -> Json.utf8(bytes("{\"user_id\": \"u", 0xe2, 0x82), "record value"))
                .isInstanceOf(InvalidFieldException.class).hasMessageStartingWith("user_id: is not valid UTF-8 (byte 0xE2 at offset 14)");
    }

    @Test
    void decodesUtf8AsItIs() {
        String text = "{\"name\": \"Caf\u00e9 \uD83D\uDC2A \u2014 \u4e2d\"}";

        assertThat(Json.utf8(text.getBytes(StandardCharsets.UTF_8), "body")).isEqualTo(text);
        assertThat(Json.utf8(new byte[0], "body")).isEmpty();
    }
}
