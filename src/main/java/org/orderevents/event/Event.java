package org.orderevents.event;

/**
 * The envelope of every record value: {@code {"event_id", "event_type", "timestamp", "data"}}.
 * {@code data} is null when {@code eventType} is not one this project knows; such events are skipped, not dead-lettered.
 */
public record Event<T extends OrderEvent>(String eventId, String eventType, String timestamp, T data) {

    public boolean isKnown() {
        return data != null;
    }

    /** The record key of every event of an order on every topic. */
    public String key() {
        return data.userId();
    }
}
