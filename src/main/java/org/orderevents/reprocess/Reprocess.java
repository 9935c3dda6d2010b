package org.orderevents.reprocess;

/**
 * Whether a service can be reprocessed from a point in time (docs/reprocess.md): its topic, its event route and the
 * bean whose state it takes events out of; or why not, when its effects leave the application and would happen again.
 */
public record Reprocess(String topic, String eventRoute, String stateBean, String refusal) {

    public static Reprocess of(String topic, String eventRoute, String stateBean) {
        return new Reprocess(topic, eventRoute, stateBean, null);
    }

    public static Reprocess refused(String why) {
        return new Reprocess(null, null, null, why);
    }

    public boolean supported() {
        return refusal == null;
    }
}
