package org.orderevents.order;

import org.apache.camel.Exchange;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.TransactionScope;
import org.orderevents.event.Event;
import org.orderevents.event.InvalidFieldException;
import org.orderevents.event.OrderCreated;
import org.orderevents.event.OrderStatusChanged;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An order's lifecycle: pending → confirmed | rejected; confirmed → shipped → delivered; pending | confirmed →
 * cancelled. Every service that acts on a status change follows it on its own view of the order, kept from the orders
 * topic in the topic's order (order-service: the orders table, the fold of each order's history, {@link OrderHistory};
 * the others: table {@code order_lifecycle}, one row per group and order), so each group decides the same for the same
 * sequence, never by this host's clock. A change the lifecycle
 * does not allow (a late or replayed result, a status set by hand out of order) changes nothing: it is counted
 * ({@code order_events_lifecycle_refused_total}) and logged, not dead-lettered.
 */
public class OrderLifecycle {

    public static final String PENDING = "pending";
    public static final String CANCELLED = "cancelled";
    public static final List<String> STATUSES = List.of(PENDING, "confirmed", "rejected", "shipped", "delivered", CANCELLED);

    private static final Map<String, Set<String>> NEXT = Map.of(
            PENDING, Set.of("confirmed", "rejected", CANCELLED),
            "confirmed", Set.of("shipped", CANCELLED),
            "shipped", Set.of("delivered"));
    private static final Logger LOG = LoggerFactory.getLogger(OrderLifecycle.class);
    private static final String CREATED = "INSERT INTO order_lifecycle (group_id, order_id, status) VALUES (?, ?, ?) "
            + "ON CONFLICT DO NOTHING";

    private final String group;
    private final EventMetrics metrics;

    /** The view of one consumer group. */
    public OrderLifecycle(String group, EventMetrics metrics) {
        this.group = group;
        this.metrics = metrics;
    }

    /** Whether an order in status {@code from} may change to {@code to}. */
    public static boolean allows(String from, String to) {
        return NEXT.getOrDefault(from, Set.of()).contains(to);
    }

    /** A status the lifecycle knows; else a 400 naming the field. */
    public static String known(String status, String field) {
        if (!STATUSES.contains(status)) {
            throw new InvalidFieldException(field, "must be one of " + String.join(", ", STATUSES));
        }
        return status;
    }

    /** Counts and logs a change the lifecycle does not allow. */
    static void refused(EventMetrics metrics, String group, String orderId, String from, String to, String eventId) {
        metrics.refused(group, from, to);
        LOG.info("{}: order {} is {}; the change to {} (event {}) does not follow the lifecycle and changes nothing", group,
                orderId, from, to, eventId);
    }

    /** Route step (order.created): the order starts pending in this group's view (held, written with the batch). */
    public void created(Event<OrderCreated> event, Exchange exchange) {
        EventTransaction.requiredScope(exchange).rows(CREATED).add(group, event.data().orderId(), PENDING);
    }

    /**
     * Route predicate (order.status_changed): true when the change follows the lifecycle in this group's view, which
     * then takes the new status. An order this group has not seen created (another producer's key, a topic older than
     * the view) takes the status as it comes.
     */
    public boolean advance(Event<OrderStatusChanged> event, Exchange exchange) throws SQLException {
        OrderStatusChanged change = event.data();
        TransactionScope scope = EventTransaction.requiredScope(exchange);
        scope.write(CREATED);
        Connection connection = scope.connection();
        String current = null;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT status FROM order_lifecycle WHERE group_id = ? AND order_id = ? FOR UPDATE")) {
            select.setString(1, group);
            select.setString(2, change.orderId());
            try (ResultSet rows = select.executeQuery()) {
                if (rows.next()) {
                    current = rows.getString(1);
                }
            }
        }
        if (current == null) {
            try (PreparedStatement insert = connection.prepareStatement(CREATED)) {
                insert.setString(1, group);
                insert.setString(2, change.orderId());
                insert.setString(3, change.status());
                insert.executeUpdate();
            }
            return true;
        }
        if (!allows(current, change.status())) {
            refused(metrics, group, change.orderId(), current, change.status(), event.eventId());
            return false;
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE order_lifecycle SET status = ? WHERE group_id = ? AND order_id = ?")) {
            update.setString(1, change.status());
            update.setString(2, group);
            update.setString(3, change.orderId());
            update.executeUpdate();
        }
        return true;
    }
}
