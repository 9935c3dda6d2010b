package org.orderevents.api;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.kafka.common.KafkaException;
import org.orderevents.db.DatabaseUnavailable;
import org.orderevents.deadletter.ReplayTooOldException;
import org.orderevents.event.InvalidFieldException;
import org.orderevents.event.Json;
import org.orderevents.order.OrderNotFoundException;
import org.orderevents.order.StatusConflictException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/** Turns the failure of an HTTP request into an RFC 9457 problem report: 400 naming the field, 401, 404, 409, 422, 503, 500. */
public class HttpProblems {

    private static final Logger LOG = LoggerFactory.getLogger(HttpProblems.class);

    public void respond(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Map<String, Object> problem = new LinkedHashMap<>();
        int status;
        if (failure instanceof InvalidFieldException invalid) {
            status = 400;
            problem.put("title", "Invalid request");
            problem.put("detail", invalid.getMessage());
            problem.put("field", invalid.field());
        } else if (failure instanceof UnauthorizedException) {
            status = 401;
            problem.put("title", "Unauthorized");
            problem.put("detail", failure.getMessage());
        } else if (failure instanceof StatusConflictException) {
            status = 409;
            problem.put("title", "Status change not allowed");
            problem.put("detail", failure.getMessage());
        } else if (failure instanceof ReplayTooOldException) {
            status = 409;
            problem.put("title", "Dead letter too old to replay");
            problem.put("detail", failure.getMessage());
        } else if (failure instanceof IdempotencyKeyReusedException) {
            status = 422;
            problem.put("title", "Idempotency-Key reused");
            problem.put("detail", failure.getMessage());
        } else if (failure instanceof OrderNotFoundException) {
            status = 404;
            problem.put("title", "Order not found");
            problem.put("detail", failure.getMessage());
        } else if (DatabaseUnavailable.causedBy(failure)) {
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
