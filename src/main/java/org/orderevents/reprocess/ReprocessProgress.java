package org.orderevents.reprocess;

import org.orderevents.Service;
import org.orderevents.metrics.EventMetrics;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gauges of the reprocess runs, per service: whether one is under way, and its events left (its lag), read from the
 * runs' table at most once a second, whichever instance runs it.
 */
public class ReprocessProgress {

    private static final long FRESH_MS = 1000;

    private final ReprocessRuns runs;
    private final EventMetrics metrics;
    private Map<String, ReprocessRuns.Run> active = Map.of();
    private long readAt;
    private boolean failed;

    public ReprocessProgress(ReprocessRuns runs, EventMetrics metrics) {
        this.runs = runs;
        this.metrics = metrics;
    }

    public void register(List<Service> services) {
        for (Service service : services) {
            String id = service.id();
            metrics.gauge("order_events_reprocess_running", "1 while a reprocess of the service is under way",
                    () -> failed() ? Double.NaN : active(id) == null ? 0 : 1, "service", id);
            metrics.gauge("order_events_reprocess_events_left", "Events the service's reprocess under way has left (its lag)",
                    () -> {
                        ReprocessRuns.Run run = active(id);
                        return failed() ? Double.NaN : run == null ? 0 : run.eventsLeft();
                    }, "service", id);
        }
    }

    private synchronized ReprocessRuns.Run active(String service) {
        long now = System.currentTimeMillis();
        if (now - readAt > FRESH_MS) {
            readAt = now;
            try {
                Map<String, ReprocessRuns.Run> read = new HashMap<>();
                for (ReprocessRuns.Run run : runs.recent(20)) {
                    if (run.running()) {
                        read.putIfAbsent(run.service(), run);
                    }
                }
                active = read;
                failed = false;
            } catch (SQLException e) {
                failed = true;
            }
        }
        return active.get(service);
    }

    private synchronized boolean failed() {
        return failed;
    }
}
