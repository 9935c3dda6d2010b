package org.orderevents.api;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.orderevents.db.EventTransaction;
import org.orderevents.event.InvalidFieldException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * The {@code Idempotency-Key} request header of the order API: the first request with a key commits its answer with
 * its effects (table {@code idempotency_keys}); a retry with the same key and the same request gets that answer and
 * does nothing; the same key with another request is refused ({@code 422}). A retry that arrives while the first
 * request is still running waits for its commit (the key's row is locked by then), then gets its answer.
 */
public class IdempotencyKeys {

    public static final String HEADER = "Idempotency-Key";
    private static final String CLAIMED = "orderEvents.idempotencyKey";
    private static final String ANSWER = "orderEvents.idempotentAnswer";
    private static final int MAX_KEY_LENGTH = 200;

    /** An answer as first given: its status, Location header (or null) and body. */
    private record Answer(int status, String location, String body) {
    }

    /**
     * Route predicate, in the request's transaction: true when the request is to run (no key, or a key seen for the
     * first time, now claimed); false when it is a retry, whose first answer is then kept for {@link #answer}.
     */
    public boolean claim(Exchange exchange) throws SQLException {
        Message message = exchange.getMessage();
        String key = message.getHeader(HEADER, String.class);
        if (key == null) {
            return true;
        }
        if (key.isBlank() || key.length() > MAX_KEY_LENGTH) {
            throw new InvalidFieldException(HEADER, "must be 1 to " + MAX_KEY_LENGTH + " characters");
        }
        String body = message.getBody(String.class);
        // the body is read once here; kept as text for the steps after
        message.setBody(body);
        String request = hash(message.getHeader(Exchange.HTTP_METHOD, String.class) + " "
                + message.getHeader(Exchange.HTTP_URI, String.class) + "\n" + (body == null ? "" : body));
        Connection connection = EventTransaction.required(exchange);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO idempotency_keys (idempotency_key, "
                + "request_hash, created_at) VALUES (?, ?, LOCALTIMESTAMP) ON CONFLICT DO NOTHING")) {
            insert.setString(1, key);
            insert.setString(2, request);
            if (insert.executeUpdate() == 1) {
                exchange.setProperty(CLAIMED, key);
                return true;
            }
        }
        try (PreparedStatement select = connection.prepareStatement("SELECT request_hash, status, location, response "
                + "FROM idempotency_keys WHERE idempotency_key = ?")) {
            select.setString(1, key);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next() || !rows.getString(1).equals(request) || rows.getInt(2) == 0) {
                    throw new IdempotencyKeyReusedException(key);
                }
                exchange.setProperty(ANSWER, new Answer(rows.getInt(2), rows.getString(3), rows.getString(4)));
                return false;
            }
        }
    }

    /** Route step after the request's answer is made, in its transaction: the answer is kept with the claimed key. */
    public void remember(Exchange exchange) throws SQLException {
        String key = exchange.getProperty(CLAIMED, String.class);
        if (key == null) {
            return;
        }
        Message message = exchange.getMessage();
        try (PreparedStatement update = EventTransaction.required(exchange).prepareStatement(
                "UPDATE idempotency_keys SET status = ?, location = ?, response = ? WHERE idempotency_key = ?")) {
            update.setInt(1, message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class));
            update.setString(2, message.getHeader("Location", String.class));
            update.setString(3, message.getBody(String.class));
            update.setString(4, key);
            update.executeUpdate();
        }
    }

    /** Route step for a retry: the first answer again. */
    public void answer(Exchange exchange) {
        Answer answer = exchange.getProperty(ANSWER, Answer.class);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, answer.status());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (answer.location() != null) {
            message.setHeader("Location", answer.location());
        }
        message.setHeader("Idempotent-Replayed", "true");
        message.setBody(answer.body());
    }

    private static String hash(String request) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(request.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
