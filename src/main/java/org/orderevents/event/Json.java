package org.orderevents.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The project's one JSON mapper: snake_case field names, as in the contract's envelope. It refuses a key twice in one
 * object (Jackson would keep the last one silently), for events and request bodies alike.
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    // a decoder that REPORTs: the JDK's String(bytes, UTF_8) and Vert.x put U+FFFD in place of bad bytes without a word
    private static final ThreadLocal<CharsetDecoder> UTF_8 = ThreadLocal.withInitial(() -> StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON for " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * The text of UTF-8 bytes. A byte sequence that is not UTF-8 fails naming the JSON field it is in
     * ({@code data.user_id}), or {@code whole} (the body, the record value) when it is in none.
     */
    public static String utf8(byte[] bytes, String whole) {
        CharsetDecoder decoder = UTF_8.get().reset();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        // UTF-8 never decodes to more chars than it has bytes
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            String field = fieldAt(bytes, at);
            throw new InvalidFieldException(field.isEmpty() ? whole : field, "is not valid UTF-8 (byte 0x"
                    + String.format("%02X", bytes[Math.min(at, bytes.length - 1)] & 0xff) + " at offset " + at + ")");
        }
        return out.flip().toString();
    }

    /**
     * The JSON of a body or a record value as text. A key twice in one object fails naming it ({@code user_id});
     * any other defect of the JSON is an {@link IOException}.
     */
    public static JsonNode read(String text) throws IOException {
        try {
            return MAPPER.readTree(text);
        } catch (StreamReadException e) {
            JsonParser parser = e.getProcessor();
            if (parser != null && e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")) {
                throw new InvalidFieldException(path(parser.getParsingContext()), "appears twice in one object (a duplicate key)");
            }
            throw e;
        }
    }

    /**
     * The field whose string holds the byte at this offset: the JSON before it (valid UTF-8) is read up to where it ends,
     * inside that string. Cut short in a key, the object holding the key is named.
     */
    private static String fieldAt(byte[] bytes, int offset) {
        try (JsonParser parser = MAPPER.getFactory().createParser(bytes, 0, offset)) {
            boolean inValue = false;
            try {
                for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                    if (token == JsonToken.VALUE_STRING) {
                        inValue = true;
                        parser.getText();
                        inValue = false;
                    }
                }
                return "";
            } catch (IOException e) {
                JsonStreamContext context = parser.getParsingContext();
                return path(inValue || !context.inObject() ? context : context.getParent());
            }
        } catch (IOException e) {
            return "";
        }
    }

    /** The path of a parser's context as the contract names fields: {@code data.items[0].price}; empty at the root. */
    static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.push("[" + Math.max(c.getCurrentIndex(), 0) + "]");
            } else if (c.getCurrentName() != null) {
                parts.push("." + c.getCurrentName());
            }
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }
}
