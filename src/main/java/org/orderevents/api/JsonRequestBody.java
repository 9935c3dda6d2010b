package org.orderevents.api;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.orderevents.event.Json;

import java.util.Locale;

/**
 * The body of a request that writes: JSON by its Content-Type (else 415), and UTF-8 bytes, decoded strictly (else 400
 * naming the field that holds the bad bytes), before anything reads it as text.
 */
public class JsonRequestBody {

    /** Route step: the body becomes its text, or the request fails with the problem. */
    public void read(Exchange exchange) {
        Message message = exchange.getMessage();
        requireJson(message.getHeader(Exchange.CONTENT_TYPE, String.class));
        byte[] bytes = message.getBody(byte[].class);
        message.setBody(bytes == null ? null : Json.utf8(bytes, "body"));
    }

    /** application/json or a +json type, in UTF-8 if a charset is named (JSON has no other, RFC 8259). */
    static void requireJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new UnsupportedMediaTypeException("is required: application/json");
        }
        String[] parts = contentType.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
            throw new UnsupportedMediaTypeException("must be application/json, not " + parts[0].trim());
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter[0].trim().equalsIgnoreCase("charset")) {
                String charset = parameter.length < 2 ? "" : parameter[1].trim().replace("\"", "");
                if (!charset.equalsIgnoreCase("utf-8")) {
                    throw new UnsupportedMediaTypeException("must be application/json in UTF-8, not charset " + charset);
                }
            }
        }
    }
}
