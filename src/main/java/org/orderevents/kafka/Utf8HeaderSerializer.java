package org.orderevents.kafka;

import org.apache.camel.component.kafka.serde.DefaultKafkaHeaderSerializer;

import java.nio.charset.StandardCharsets;

/**
 * Writes text headers as UTF-8, as the contract has them. Camel's default serializer encodes a String with the JVM's
 * default charset, which is US-ASCII where the locale is POSIX (Java 17, {@code LANG} unset, as in many containers):
 * a non-ASCII header (an exception message, an original header kept on a dead letter) would lose its characters.
 * Other values are left to the default serializer.
 */
public class Utf8HeaderSerializer extends DefaultKafkaHeaderSerializer {

    @Override
    public byte[] serialize(String key, Object value) {
        return value instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : super.serialize(key, value);
    }
}
