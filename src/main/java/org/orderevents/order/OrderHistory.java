package org.orderevents.order;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.apache.camel.Exchange;
import org.orderevents.event.Json;
import org.orderevents.retry.RetryTopics;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * order-service's history of an order, kept in the order's row ({@code orders.history}, JSON): the order.created it
 * came from, and every status change of the orders topic it applied, with where the change was on the topic. The
 * order's status is always this history's {@link #fold}, written with it in the same UPDATE, so a change can be taken
 * out and applied again (a reprocess) and the order ends as if its events had been applied once, in their topic's
 * order, by the current code. Kept in the row rather than in a table of its own: a change costs no statement more
 * than the status it sets.
 * <p>
 * The fold: from the order's status at its beginning (pending; for an order kept before its history was, its status
 * then), each change in turn, as {@link OrderLifecycle} allows it; one it does not allow changes nothing. The order of
 * the changes: each partition's in offset order (Kafka's order), the partitions (another producer keys its status
 * changes by {@code order_id}) interleaved by record time, then partition number.
 */
record OrderHistory(String created, Status base, List<Change> changes) {

    /** A status change, where it was on the topic. */
    record Change(String eventId, String status, String reason, String updatedAt, int partition, long offset, long recordTime) {
    }

    /** An order's status. */
    record Status(String status, String reason, String updatedAt) {
    }

    /** The fold's outcome: the order's status and the changes the lifecycle refused. */
    record Folded(Status status, Set<String> refused) {
    }

    /** The history of an order its order.created begins. */
    static OrderHistory begunBy(String eventId, String status) {
        return new OrderHistory(eventId, new Status(status, null, null), List.of());
    }

    /** The row's history; a row kept before histories were (none) begins at its status now. */
    static OrderHistory of(String json, Status current) {
        if (json == null) {
            return new OrderHistory(null, current, List.of());
        }
        try {
            return Json.MAPPER.readValue(json, OrderHistory.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("orders.history is not a history: " + json, e);
        }
    }

    String json() {
        return Json.write(this);
    }

    /** The change as the exchange's record was on the topic (for a parked record's copy: its original). */
    static Change change(Exchange exchange, String eventId, String status, String reason, String updatedAt) {
        RetryTopics.Source source = RetryTopics.source(exchange.getMessage());
        return new Change(eventId, status, reason, updatedAt, source.partition(), source.offset(), millis(source.timestamp()));
    }

    /** A record's timestamp header (a number, or its text on a retry copy); 0 when it has none, so such changes go first. */
    private static long millis(Object timestamp) {
        String text = String.valueOf(timestamp);
        return text.matches("-?\\d{1,19}") ? Long.parseLong(text) : 0;
    }

    /** This history with the changes added (a change it holds already stays once). */
    OrderHistory with(Collection<Change> added) {
        Map<String, Change> all = new LinkedHashMap<>();
        changes.forEach(c -> all.put(c.eventId(), c));
        added.forEach(c -> all.putIfAbsent(c.eventId(), c));
        return new OrderHistory(created, base, List.copyOf(all.values()));
    }

    /** This history without the changes of these events. */
    OrderHistory without(Set<String> eventIds) {
        return new OrderHistory(created, base, changes.stream().filter(c -> !eventIds.contains(c.eventId())).toList());
    }

    /** The order's status after its changes, in the fold's order (above). */
    Folded fold() {
        Status status = base;
        Set<String> refused = new HashSet<>();
        for (Change change : ordered(changes)) {
            if (OrderLifecycle.allows(status.status(), change.status())) {
                status = new Status(change.status(), change.reason(), change.updatedAt());
            } else {
                refused.add(change.eventId());
            }
        }
        return new Folded(status, refused);
    }

    /** Each partition's changes in offset order, merged by record time, then partition. */
    static List<Change> ordered(List<Change> changes) {
        Map<Integer, Deque<Change>> partitions = new TreeMap<>();
        changes.stream().sorted(Comparator.comparingLong(Change::offset))
                .forEach(c -> partitions.computeIfAbsent(c.partition(), p -> new ArrayDeque<>()).add(c));
        List<Change> merged = new ArrayList<>(changes.size());
        while (merged.size() < changes.size()) {
            Deque<Change> next = null;
            for (Deque<Change> partition : partitions.values()) {
                if (!partition.isEmpty() && (next == null || partition.peek().recordTime() < next.peek().recordTime())) {
                    next = partition;
                }
            }
            merged.add(Objects.requireNonNull(next).poll());
        }
        return merged;
    }
}
