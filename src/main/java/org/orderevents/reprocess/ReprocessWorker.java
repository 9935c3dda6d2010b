package org.orderevents.reprocess;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.orderevents.Service;
import org.orderevents.batch.BatchTransaction;
import org.orderevents.batch.BatchTransaction.Outcome;
import org.orderevents.batch.EventBatch;
import org.orderevents.db.EventTransaction;
import org.orderevents.db.OutageClassifier;
import org.orderevents.db.TransactionScope;
import org.orderevents.event.EventCodec;
import org.orderevents.kafka.KafkaClients;
import org.orderevents.metrics.EventMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the reprocess runs of this process's services (route reprocess-worker, on a timer): takes a run nobody holds,
 * reads its records again with a consumer of its own (no group: the service's group goes on meanwhile), and hands them
 * to the service's event route in batches, each one transaction that first takes the batch's effects out of the
 * service's state ({@link Reprocessable}) and its processed ids, then makes them again, and commits the run's position
 * with them. A record the group handles at the same time is decided by its processed id, as between two instances:
 * whichever transaction claims it second finds the other's claim (the group skips it; the run, whose batch fails, goes
 * again, takes the group's effect out and makes it again). An event the current code fails on is taken out and not made again, as a
 * service that had always run this code would have dead-lettered it; a database outage waits, and nothing is skipped.
 */
public class ReprocessWorker {

    private static final Logger LOG = LoggerFactory.getLogger(ReprocessWorker.class);
    private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(10);
    private static final String RELEASE_IDS = "DELETE FROM processed_events WHERE processor_name = ? AND event_id = ?";
    /**
     * Tries of a batch that fails as a whole (a claim the group made meanwhile, a deadlock, a lock wait that timed out
     * in an event) before the run gives up.
     */
    private static final int BATCH_TRIES = 10;

    private final CamelContext context;
    private final DataSource dataSource;
    private final ReprocessRuns runs;
    private final EventMetrics metrics;
    private final List<Service> services;
    private final Duration lease;
    private final int batchSize;
    /** Events per second at most (0: as fast as it goes), so that the services running meanwhile keep their pace. */
    private final int maxRate;
    private final String owner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);

    public ReprocessWorker(CamelContext context, DataSource dataSource, ReprocessRuns runs, EventMetrics metrics,
            List<Service> services, Duration lease, int batchSize, int maxRate) {
        this.context = context;
        this.dataSource = dataSource;
        this.runs = runs;
        this.metrics = metrics;
        this.services = List.copyOf(services);
        this.lease = lease;
        this.batchSize = batchSize;
        this.maxRate = maxRate;
    }

    /** Timer step: runs a run of this process's services that nobody holds, to its end. */
    public void work() throws Exception {
        Optional<ReprocessRuns.Run> run = runs.claim(services.stream().map(Service::id).toList(), owner, lease);
        if (run.isPresent()) {
            run(run.get());
        }
    }

    private void run(ReprocessRuns.Run run) throws Exception {
        Service service = Service.byId(run.service()).orElseThrow();
        Reprocess reprocess = service.reprocess();
        Reprocessable state = context.getRegistry().lookupByNameAndType(reprocess.stateBean(), Reprocessable.class);
        BatchTransaction transaction = context.getRegistry().lookupByNameAndType("eventBatch", EventBatch.class).transaction();
        Map<TopicPartition, ReprocessRuns.Position> open = new HashMap<>();
        run.positions().stream().filter(p -> p.left() > 0)
                .forEach(p -> open.put(new TopicPartition(run.topic(), p.partition()), p));
        LOG.info("Reprocess {} of {} from {}: {} events left, run by {}", run.runId(), run.service(), run.from(), run.eventsLeft(), owner);
        Batches batches = new Batches(run, state, transaction, reprocess.eventRoute());
        long startNanos = System.nanoTime();
        long handled = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.consumer(context, BROKER_TIMEOUT)) {
            consumer.assign(open.keySet());
            open.forEach((partition, position) -> consumer.seek(partition, position.next()));
            while (!open.isEmpty()) {
                if (!context.getStatus().isStarted()) {
                    LOG.info("Reprocess {}: stopped with {} events left; an instance of {} goes on from there", run.runId(),
                            open.values().stream().mapToLong(ReprocessRuns.Position::left).sum(), run.service());
                    return;
                }
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(200));
                for (TopicPartition partition : polled.partitions()) {
                    ReprocessRuns.Position position = open.get(partition);
                    if (position == null) {
                        // done, and paused since: records its last poll fetched past the end
                        continue;
                    }
                    List<ConsumerRecord<byte[], byte[]>> records = polled.records(partition).stream()
                            .filter(r -> r.offset() >= position.next() && r.offset() < position.end()).toList();
                    for (int from = 0; from < records.size(); from += batchSize) {
                        List<ConsumerRecord<byte[], byte[]>> batch = records.subList(from, Math.min(records.size(), from + batchSize));
                        if (!batches.run(partition.partition(), batch)) {
                            LOG.warn("Reprocess {}: another instance took it over; this one stops", run.runId());
                            return;
                        }
                        handled += batch.size();
                        if (maxRate > 0) {
                            // paced on the clock from the start, as a producer at a steady rate
                            LockSupport.parkNanos(startNanos + handled * 1_000_000_000L / maxRate - System.nanoTime());
                        }
                    }
                }
                // the position past the last record read; offsets without a record (transaction markers) count as read
                for (TopicPartition partition : List.copyOf(open.keySet())) {
                    ReprocessRuns.Position position = open.get(partition);
                    long next = consumer.position(partition);
                    if (next >= position.end()) {
                        if (!batches.advance(partition.partition(), position.end())) {
                            return;
                        }
                        open.remove(partition);
                        consumer.pause(List.of(partition));
                    } else {
                        open.put(partition, new ReprocessRuns.Position(position.partition(), position.start(), position.end(), next));
                    }
                }
            }
        }
        runs.finish(run.runId(), owner);
        ReprocessRuns.Run done = runs.run(run.runId()).orElseThrow();
        LOG.info("Reprocess {} of {} done: {} events run again, {} taken out only (the current code fails on them)",
                run.runId(), run.service(), done.eventsDone(), done.eventsFailed());
    }

    /** The run's batches: each in a transaction of its own, waiting out a database outage. */
    private final class Batches {

        private final ReprocessRuns.Run run;
        private final Reprocessable state;
        private final BatchTransaction transaction;
        private final String eventRoute;

        Batches(ReprocessRuns.Run run, Reprocessable state, BatchTransaction transaction, String eventRoute) {
            this.run = run;
            this.state = state;
            this.transaction = transaction;
            this.eventRoute = eventRoute;
        }

        /** The records, in offset order; false when the run is no longer this instance's. */
        boolean run(int partition, List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
            int done = 0;
            int failures = 0;
            // an event is taken out only once it failed twice, the second time first in a fresh transaction: a
            // failure of the moment (the H2 server's session closed mid-batch, say) is not the current code's
            long failedOnce = -1;
            while (done < records.size()) {
                List<ConsumerRecord<byte[], byte[]>> rest = records.subList(done, records.size());
                long next = rest.get(rest.size() - 1).offset() + 1;
                boolean[] held = {true};
                Outcome outcome = transaction.rerun(rest.stream().map(ReprocessWorker.this::exchange).toList(), eventRoute,
                        run.service(), scope -> takeOut(scope, rest),
                        scope -> {
                            held[0] = runs.advance(scope.connection(), run.runId(), owner, partition, next, rest.size(), 0);
                            if (!held[0]) {
                                failLease();
                            }
                        });
                if (outcome instanceof Outcome.Committed) {
                    metrics.reprocessed(run.service(), rest.size());
                    done = records.size();
                } else if (!held[0]) {
                    return false;
                } else if (OutageClassifier.isOutage(outcome.failure())) {
                    waitOut(outcome.failure());
                } else if (outcome instanceof Outcome.EventFailed failed && !OutageClassifier.isConflict(failed.cause())) {
                    if (failed.index() > 0 && !run(partition, rest.subList(0, failed.index()))) {
                        return false;
                    }
                    ConsumerRecord<byte[], byte[]> record = rest.get(failed.index());
                    if (record.offset() != failedOnce) {
                        failedOnce = record.offset();
                        done += failed.index();
                        continue;
                    }
                    if (!takeOutOnly(partition, record, failed.cause())) {
                        return false;
                    }
                    done += failed.index() + 1;
                } else if (++failures < BATCH_TRIES) {
                    LOG.info("Reprocess {}: a batch of {} events failed ({}); it goes again", run.runId(), rest.size(),
                            outcome.failure().getMessage());
                } else {
                    throw new IllegalStateException("reprocess " + run.runId() + ": a batch of " + rest.size()
                            + " events failed " + failures + " times", outcome.failure());
                }
            }
            return true;
        }

        /** An event the event route fails on: its effects are taken out, not made again. */
        private boolean takeOutOnly(int partition, ConsumerRecord<byte[], byte[]> record, Exception cause) throws Exception {
            LOG.info("Reprocess {}: {} at {}-{}/{} fails with the current code ({}); its effects are taken out, not made again",
                    run.runId(), run.service(), record.topic(), record.partition(), record.offset(), cause.getMessage());
            while (true) {
                try {
                    return EventTransaction.inTransaction(dataSource, scope -> {
                        takeOut(scope, List.of(record));
                        return runs.advance(scope.connection(), run.runId(), owner, partition, record.offset() + 1, 0, 1) || failLease();
                    });
                } catch (Exception e) {
                    if (!OutageClassifier.isOutage(e)) {
                        return false;
                    }
                    waitOut(e);
                }
            }
        }

        /** Moves a partition's position past offsets without records; false if the run is no longer this instance's. */
        boolean advance(int partition, long next) throws Exception {
            return EventTransaction.inTransaction(dataSource, scope -> runs.advance(scope.connection(), run.runId(), owner,
                    partition, next, 0, 0));
        }

        private void takeOut(TransactionScope scope, List<ConsumerRecord<byte[], byte[]>> records) throws SQLException {
            Map<String, byte[]> events = new LinkedHashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                String id = EventCodec.eventId(record.value());
                if (id != null) {
                    events.putIfAbsent(id, record.value());
                }
            }
            if (events.isEmpty()) {
                return;
            }
            state.takeOut(scope, events);
            Set<String> ids = events.keySet();
            try (PreparedStatement release = scope.connection().prepareStatement(RELEASE_IDS)) {
                for (String id : ids) {
                    release.setString(1, run.service());
                    release.setString(2, id);
                    release.addBatch();
                }
                release.executeBatch();
            }
        }

        private void waitOut(Throwable outage) {
            LOG.warn("Reprocess {}: the database is unreachable ({}); the batch waits and goes again", run.runId(), outage.getMessage());
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        }
    }

    /** The run is another instance's now: the batch rolls back. */
    private static boolean failLease() {
        throw new IllegalStateException("the reprocess run is held by another instance");
    }

    /**
     * A record as the consumers' camel-kafka hands it to a route (application.properties): the value and key as bytes,
     * the headers as text, and where it came from.
     */
    private Exchange exchange(ConsumerRecord<byte[], byte[]> record) {
        Exchange exchange = new DefaultExchange(context);
        Message message = exchange.getMessage();
        message.setBody(record.value());
        for (Header header : record.headers()) {
            message.setHeader(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        }
        message.setHeader(KafkaConstants.TOPIC, record.topic());
        message.setHeader(KafkaConstants.PARTITION, record.partition());
        message.setHeader(KafkaConstants.OFFSET, record.offset());
        message.setHeader(KafkaConstants.TIMESTAMP, record.timestamp());
        message.setHeader(KafkaConstants.KEY, record.key());
        return exchange;
    }
}
