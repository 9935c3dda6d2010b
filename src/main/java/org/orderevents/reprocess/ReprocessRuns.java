package org.orderevents.reprocess;

import org.orderevents.db.EventTransaction;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The reprocess runs, in tables {@code reprocess_runs} and {@code reprocess_positions}: what was asked, where each
 * partition's run is, and which instance runs it. One run at a time per service (the column active_service is unique
 * while it runs); an instance holds a run while its heartbeat is recent, and each batch commits its position with its
 * effects, so a run taken over after a crash goes on where the last commit left it.
 */
public class ReprocessRuns {

    public static final String RUNNING = "running";
    public static final String DONE = "done";

    /** Where a run is in one partition: from start to end (exclusive), next to do. */
    public record Position(int partition, long start, long end, long next) {
        public long left() {
            return Math.max(0, end - next);
        }
    }

    /** A run as GET /admin/reprocess shows it. */
    public record Run(String runId, String service, String topic, Instant from, Instant requestedAt, String state,
            Instant finishedAt, long eventsDone, long eventsFailed, List<Position> positions) {

        public long eventsLeft() {
            return positions.stream().mapToLong(Position::left).sum();
        }

        public long events() {
            return positions.stream().mapToLong(p -> p.end() - p.start()).sum();
        }

        public boolean running() {
            return RUNNING.equals(state);
        }

        public Map<String, Object> view() {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("run_id", runId);
            view.put("service", service);
            view.put("topic", topic);
            view.put("from", from.toString());
            view.put("requested_at", requestedAt.toString());
            view.put("state", state);
            view.put("finished_at", finishedAt == null ? null : finishedAt.toString());
            view.put("events", events());
            view.put("events_done", eventsDone);
            view.put("events_failed", eventsFailed);
            view.put("events_left", eventsLeft());
            view.put("partitions", positions.stream().map(p -> Map.of("partition", p.partition(), "start_offset", p.start(),
                    "end_offset", p.end(), "next_offset", p.next())).toList());
            return view;
        }
    }

    private final DataSource dataSource;

    public ReprocessRuns(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Records a new run from each partition's start to its end; refused (409) while the service has a run under way. */
    public Run create(String service, String topic, Instant from, Map<Integer, long[]> spans) throws Exception {
        String runId = UUID.randomUUID().toString();
        try {
            EventTransaction.inTransaction(dataSource, scope -> {
                Connection connection = scope.connection();
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO reprocess_runs (run_id, service, "
                        + "active_service, topic, from_time, requested_at, state) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    insert.setString(1, runId);
                    insert.setString(2, service);
                    insert.setString(3, service);
                    insert.setString(4, topic);
                    insert.setTimestamp(5, Timestamp.from(from));
                    insert.setTimestamp(6, Timestamp.from(Instant.now()));
                    insert.setString(7, RUNNING);
                    insert.executeUpdate();
                }
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO reprocess_positions (run_id, "
                        + "partition_no, start_offset, end_offset, next_offset) VALUES (?, ?, ?, ?, ?)")) {
                    for (Map.Entry<Integer, long[]> span : spans.entrySet()) {
                        insert.setString(1, runId);
                        insert.setInt(2, span.getKey());
                        insert.setLong(3, span.getValue()[0]);
                        insert.setLong(4, span.getValue()[1]);
                        insert.setLong(5, span.getValue()[0]);
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                return null;
            });
        } catch (SQLException e) {
            if (active(service).isPresent()) {
                throw new ReprocessRefusedException(service + " has a reprocess under way (run " + active(service).get().runId()
                        + "); wait until it is done");
            }
            throw e;
        }
        return run(runId).orElseThrow();
    }

    /** Since when the service's state can have events taken out, when not from the beginning (reprocess_coverage). */
    public Optional<Instant> coveredSince(String service) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT since FROM reprocess_coverage WHERE service = ?")) {
            select.setString(1, service);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getTimestamp(1).toInstant()) : Optional.empty();
            }
        }
    }

    /** The service's run under way, if any. */
    public Optional<Run> active(String service) throws SQLException {
        return runs("WHERE active_service = ?", service, 1).stream().findFirst();
    }

    /** The newest runs, newest first. */
    public List<Run> recent(int limit) throws SQLException {
        return runs("", null, limit);
    }

    public Optional<Run> run(String runId) throws SQLException {
        return runs("WHERE run_id = ?", runId, 1).stream().findFirst();
    }

    /**
     * Takes a run of one of the services that nobody holds, or whose holder's heartbeat is older than the lease (it
     * stopped or crashed): the UPDATE decides between instances that try at once.
     */
    public Optional<Run> claim(Collection<String> services, String owner, Duration lease) throws SQLException {
        for (String service : services) {
            Optional<Run> active = active(service);
            if (active.isEmpty()) {
                continue;
            }
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement update = connection.prepareStatement("UPDATE reprocess_runs SET owner = ?, heartbeat_at = ? "
                         + "WHERE run_id = ? AND state = ? AND (owner IS NULL OR owner = ? OR heartbeat_at < ?)")) {
                update.setString(1, owner);
                update.setTimestamp(2, Timestamp.from(Instant.now()));
                update.setString(3, active.get().runId());
                update.setString(4, RUNNING);
                update.setString(5, owner);
                update.setTimestamp(6, Timestamp.from(Instant.now().minus(lease)));
                if (update.executeUpdate() == 1) {
                    return run(active.get().runId());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * In a batch's transaction: the partition's next offset, the events done and failed, and the heartbeat; false if
     * the owner no longer holds the run (another instance took it over), and the batch must roll back.
     */
    public boolean advance(Connection connection, String runId, String owner, int partition, long next, int done, int failed)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE reprocess_runs SET heartbeat_at = ?, "
                + "events_done = events_done + ?, events_failed = events_failed + ? WHERE run_id = ? AND owner = ? AND state = ?")) {
            update.setTimestamp(1, Timestamp.from(Instant.now()));
            update.setInt(2, done);
            update.setInt(3, failed);
            update.setString(4, runId);
            update.setString(5, owner);
            update.setString(6, RUNNING);
            if (update.executeUpdate() != 1) {
                return false;
            }
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE reprocess_positions SET next_offset = ? WHERE run_id = ? AND partition_no = ?")) {
            update.setLong(1, next);
            update.setString(2, runId);
            update.setInt(3, partition);
            update.executeUpdate();
        }
        return true;
    }

    /** Marks the run done; the service may be reprocessed again. */
    public void finish(String runId, String owner) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement update = connection.prepareStatement("UPDATE reprocess_runs SET state = ?, active_service = NULL, "
                     + "finished_at = ?, heartbeat_at = ? WHERE run_id = ? AND owner = ?")) {
            Timestamp now = Timestamp.from(Instant.now());
            update.setString(1, DONE);
            update.setTimestamp(2, now);
            update.setTimestamp(3, now);
            update.setString(4, runId);
            update.setString(5, owner);
            update.executeUpdate();
        }
    }

    private List<Run> runs(String where, String parameter, int limit) throws SQLException {
        List<Run> runs = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement select = connection.prepareStatement("SELECT run_id, service, topic, from_time, requested_at, "
                    + "state, finished_at, events_done, events_failed FROM reprocess_runs " + where
                    + " ORDER BY requested_at DESC LIMIT " + limit)) {
                if (parameter != null) {
                    select.setString(1, parameter);
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        Timestamp finished = rows.getTimestamp(7);
                        runs.add(new Run(rows.getString(1), rows.getString(2), rows.getString(3), rows.getTimestamp(4).toInstant(),
                                rows.getTimestamp(5).toInstant(), rows.getString(6), finished == null ? null : finished.toInstant(),
                                rows.getLong(8), rows.getLong(9), positions(connection, rows.getString(1))));
                    }
                }
            }
        }
        return runs;
    }

    private static List<Position> positions(Connection connection, String runId) throws SQLException {
        List<Position> positions = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT partition_no, start_offset, end_offset, next_offset "
                + "FROM reprocess_positions WHERE run_id = ? ORDER BY partition_no")) {
            select.setString(1, runId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    positions.add(new Position(rows.getInt(1), rows.getLong(2), rows.getLong(3), rows.getLong(4)));
                }
            }
        }
        return positions;
    }
}
