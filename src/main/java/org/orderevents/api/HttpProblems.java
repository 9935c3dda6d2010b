package org.orderevents.api;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.kafka.common.KafkaException;
import org.orderevents.db.OutageClassifier;
import org.orderevents.deadletter.ReplayTooOldException;
import org.orderevents.reprocess.ReprocessRefusedException;
import org.orderevents.event.InvalidFieldException;
import org.orderevents.event.Json;
import org.orderevents.order.OrderNotFoundException;
import org.orderevents.order.StatusConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the failure of an HTTP request into an RFC 9457 problem report: 400 naming the field, 401, 404, 409, 415 naming
 * the Content-Type, 422, 503, 500.
 */
public class HttpProblems {

    private static final Logger LOG = LoggerFactory.getLogger(HttpProblems.class);

    /** A failure the client can act on: its status and title; the exception's message is the detail. */
    private record Kind(Class<? extends Throwable> type, int status, String title) {
    }

    private static final List<Kind> KINDS = List.of(
            new Kind(UnauthorizedException.class, 401, "Unauthorized"),
            new Kind(OrderNotFoundException.class, 404, "Order not found"),
            new Kind(SchemaNotFoundException.class, 404, "Schema not found"),
            new Kind(StatusConflictException.class, 409, "Status change not allowed"),
            new Kind(ReplayTooOldException.class, 409, "Dead letter too old to replay"),
            new Kind(ReprocessRefusedException.class, 409, "Reprocess refused"),
            new Kind(IdempotencyKeyReusedException.class, 422, "Idempotency-Key reused"));

    public void respond(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Map<String, Object> problem = new LinkedHashMap<>();
        Kind kind = KINDS.stream().filter(k -> k.type().isInstance(failure)).findFirst().orElse(null);
        int status;
        if (failure instanceof UnsupportedMediaTypeException unsupported) {
            status = 415;
            problem.put("title", "Unsupported media type");
            problem.put("detail", unsupported.getMessage());
            problem.put("field", unsupported.field());
        } else if (failure instanceof InvalidFieldException invalid) {
            status = 400;
            problem.put("title", "Invalid request");
            problem.put("detail", invalid.getMessage());
            problem.put("field", invalid.field());
        } else if (kind != null) {
            status = kind.status();
            problem.put("title", kind.title());
            problem.put("detail", failure.getMessage());
        } else if (OutageClassifier.isOutage(failure)) {
            status = 503;
            problem.put("title", "Database unavailable");
            problem.put("detail", "the database did not answer in time; nothing was saved; try again later");
            LOG.warn("Request refused, the database is unreachable: {}", failure.toString());
        } else if (causedByBroker(failure)) {
            status = 503;
            problem.put("title", "Kafka unavailable");
            problem.put("detail", "the broker did not answer in time; try again later");
            LOG.warn("Request refused, the broker is unreachable: {}", failure.toString());
        } else {
            status = 500;
            problem.put("title", "Internal error");
            problem.put("detail", "the request failed; see the application log");
            LOG.error("Request failed", failure);
        }
        problem.put("status", status);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/problem+json");
        if (status == 401) {
            message.setHeader("WWW-Authenticate", "Bearer");
        }
        message.setBody(Json.write(problem));
    }

    private static boolean causedByBroker(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KafkaException) {
                return true;
            }
        }
        return false;
    }
}
