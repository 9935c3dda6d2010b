package org.orderevents.event;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Record values and bodies with bad bytes in them, for the tests of the edge. */
public final class TestBytes {

    private TestBytes() {
    }

    /** The bytes of the text parts (UTF-8) and the single bytes given as numbers, in order. */
    public static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String text) {
                out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
