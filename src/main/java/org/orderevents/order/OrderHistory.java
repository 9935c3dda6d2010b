package org.orderevents.order;

import org.apache.camel.Exchange;
import org.orderevents.retry.RetryTopics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * order-service's history of each order: every event of the orders topic it applied to the order, with where the event
 * was on the topic ({@code order_history}). The status in {@code orders} is always the fold of this history
 * ({@link #fold}), written in the transaction that adds to it, so an event can be taken out and applied again (a
 * reprocess) and the order ends as if the events had been applied once, in their topic's order, by the current code.
 * <p>
 * The fold's order: each partition's events in offset order (Kafka's order); the events of one order in several
 * partitions (another producer keys its status changes by {@code order_id}) interleaved by record time, then partition
 * number. An order begins at its first order.created (status pending); a status change placed before it waits for it.
 * Each change then follows {@link OrderLifecycle}: one it does not allow changes nothing. An upgraded database's
 * orders begin at a snapshot of their row (partition -1, schema.sql).
 */
final class OrderHistory {

    static final String INSERT = "INSERT INTO order_history (event_id, order_id, status, reason, updated_at, created, "
            + "partition_no, offset_no, record_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

    /** One event of an order's history, where it was on the topic. */
    record Entry(String eventId, String status, String reason, String updatedAt, boolean created, int partition, long offset,
            long recordTime) {

        Object[] row(String orderId) {
            return new Object[] {eventId, orderId, status, reason, updatedAt, created, partition, offset, recordTime};
        }
    }

    /** An order's status as the fold leaves it. */
    record Status(String status, String reason, String updatedAt) {
    }

    /** The fold's outcome: the order's status (null before its order.created) and the changes the lifecycle refused. */
    record Folded(Status status, Set<String> refused) {
    }

    private OrderHistory() {
    }

    /** The entry of an event as the exchange's record was on the topic (for a parked record's copy: its original). */
    static Entry entry(Exchange exchange, String eventId, String status, String reason, String updatedAt, boolean created) {
        RetryTopics.Source source = RetryTopics.source(exchange.getMessage());
        return new Entry(eventId, status, reason, updatedAt, created, source.partition(), source.offset(),
                Long.parseLong(String.valueOf(source.timestamp())));
    }

    /** The order's history, as committed or written in this transaction. */
    static List<Entry> of(Connection connection, String orderId) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT event_id, status, reason, updated_at, created, "
                + "partition_no, offset_no, record_time FROM order_history WHERE order_id = ?")) {
            select.setString(1, orderId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    entries.add(new Entry(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getBoolean(5), rows.getInt(6), rows.getLong(7), rows.getLong(8)));
                }
            }
        }
        return entries;
    }

    /** Whether the history holds the order's beginning (its order.created, or a snapshot). */
    static boolean begun(List<Entry> entries) {
        return entries.stream().anyMatch(Entry::created);
    }

    /** The order's status after its events, in the fold's order (above). */
    static Folded fold(List<Entry> entries) {
        Status status = null;
        Set<String> refused = new HashSet<>();
        List<Entry> waiting = new ArrayList<>();
        for (Entry entry : ordered(entries)) {
            if (entry.created()) {
                if (status == null) {
                    status = new Status(entry.status(), entry.reason(), entry.updatedAt());
                    for (Entry change : waiting) {
                        status = apply(status, change, refused);
                    }
                    waiting.clear();
                }
            } else if (status == null) {
                waiting.add(entry);
            } else {
                status = apply(status, entry, refused);
            }
        }
        return new Folded(status, refused);
    }

    private static Status apply(Status status, Entry change, Set<String> refused) {
        if (!OrderLifecycle.allows(status.status(), change.status())) {
            refused.add(change.eventId());
            return status;
        }
        return new Status(change.status(), change.reason(), change.updatedAt());
    }

    /** Each partition's entries in offset order, merged by record time, then partition. */
    static List<Entry> ordered(List<Entry> entries) {
        Map<Integer, Deque<Entry>> partitions = new TreeMap<>();
        entries.stream().sorted(Comparator.comparingLong(Entry::offset))
                .forEach(e -> partitions.computeIfAbsent(e.partition(), p -> new ArrayDeque<>()).add(e));
        List<Entry> merged = new ArrayList<>(entries.size());
        while (merged.size() < entries.size()) {
            Deque<Entry> next = null;
            for (Deque<Entry> partition : partitions.values()) {
                if (!partition.isEmpty() && (next == null || partition.peek().recordTime() < next.peek().recordTime())) {
                    next = partition;
                }
            }
            merged.add(Objects.requireNonNull(next).poll());
        }
        return merged;
    }
}
