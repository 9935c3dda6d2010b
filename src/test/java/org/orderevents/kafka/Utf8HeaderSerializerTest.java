package org.orderevents.kafka;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Text headers are UTF-8 bytes whatever the JVM's default charset; other values keep Camel's serialization. */
class Utf8HeaderSerializerTest {

    @Test
    void writesTextAsUtf8AndLeavesOtherValuesToCamel() {
        Utf8HeaderSerializer serializer = new Utf8HeaderSerializer();
        serializer.setCamelContext(new DefaultCamelContext());
        assertThat(serializer.serialize("dlq.exception.message", "café ✓ 注文"))
                .isEqualTo("café ✓ 注文".getBytes(StandardCharsets.UTF_8));
        byte[] raw = {1, 2, 3};
        assertThat(serializer.serialize("raw", raw)).isEqualTo(raw);
        assertThat(serializer.serialize("count", 7L)).hasSize(Long.BYTES);
    }
}
