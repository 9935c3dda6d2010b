package org.orderevents.order;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.orderevents.db.EventTransaction;
import org.orderevents.event.Event;
import org.orderevents.event.EventCodec;
import org.orderevents.event.Fields;
import org.orderevents.event.Json;
import org.orderevents.event.OrderCreated;
import org.orderevents.event.OrderItem;
import org.orderevents.event.OrderStatusChanged;
import org.orderevents.event.Schemas;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The order API: turns checked HTTP requests into the events it writes to the event outbox with their order. */
public class OrderIntake {

    /** The event a request publishes, kept for the answer: the outbox step replaces the body with the record's bytes. */
    private static final String PUBLISHED = "orderEvents.published";

    private final OrderBook orders;

    public OrderIntake(OrderBook orders) {
        this.orders = orders;
    }

    /**
     * POST /orders: the order is saved in the exchange's transaction and becomes the body as an order.created event,
     * which the route writes to the event outbox in the same transaction.
     */
    public Event<OrderCreated> create(Exchange exchange) throws SQLException {
        JsonNode body = body(exchange, Schemas.CREATE_ORDER);
        String userId = Fields.text(body, "user_id", "user_id");
        List<OrderItem> items = Fields.items(body, "items", "items");
        BigDecimal total = items.stream().map(OrderItem::lineTotal).reduce(BigDecimal.ZERO, BigDecimal::add)
                .setScale(2, RoundingMode.HALF_UP);
        OrderCreated order = new OrderCreated(UUID.randomUUID().toString(), userId, items, total, "pending", EventCodec.now());
        Event<OrderCreated> created = EventCodec.newEvent(OrderCreated.TYPE, order);
        OrderBook.insert(EventTransaction.required(exchange), created.eventId(), order);
        return created;
    }

    /**
     * POST /orders/{order_id}/status: an order.status_changed event for a known order whose lifecycle allows the change
     * (else 409 naming its status), written to the outbox in the request's transaction.
     */
    public Event<OrderStatusChanged> changeStatus(Exchange exchange) throws SQLException {
        String orderId = exchange.getMessage().getHeader("order_id", String.class);
        JsonNode body = body(exchange, Schemas.STATUS_CHANGE);
        String status = OrderLifecycle.known(Fields.text(body, "status", "status"), "status");
        String reason = Fields.optionalText(body, "reason", "reason");
        String userId = OrderBook.requireChange(EventTransaction.required(exchange), orderId, status);
        return EventCodec.newEvent(OrderStatusChanged.TYPE,
                new OrderStatusChanged(orderId, userId, status, reason, EventCodec.now()));
    }

    /** The answer to POST /orders once the order and its order.created have committed: 201 with the order. */
    public void created(Exchange exchange) {
        Event<?> event = exchange.getProperty(PUBLISHED, Event.class);
        OrderCreated order = (OrderCreated) event.data();
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 201);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader("Location", "/orders/" + order.orderId());
        message.setBody(Json.write(order));
    }

    /** The answer to POST /orders/{order_id}/status once its event has committed to the outbox: 202. */
    public void accepted(Exchange exchange) {
        Event<?> event = exchange.getProperty(PUBLISHED, Event.class);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(Json.write(Map.of("event_id", event.eventId(), "event_type", event.eventType(), "data", event.data())));
    }

    /** Keeps the event, for the answer after the commit. */
    public void keep(Exchange exchange) {
        exchange.setProperty(PUBLISHED, exchange.getMessage().getBody(Event.class));
    }

    private static JsonNode body(Exchange exchange, String schema) {
        JsonNode body = Fields.requestBody(exchange.getMessage().getBody(String.class));
        Schemas.validate(schema, body);
        return body;
    }
}
