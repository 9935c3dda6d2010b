package org.orderevents.db;

import org.orderevents.kafka.BatchOffsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a batch consumer does while the database is unreachable: it takes its records back, so that they are polled
 * again, and waits a moment before that poll. It keeps polling (its group stays healthy) without taking new work, and
 * nothing is retried, parked or dead-lettered because of the outage; the database health check is DOWN meanwhile.
 */
public class DatabaseOutage {

    /** How long a consumer waits before it polls again. */
    static final long WAIT_MS = 500;

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseOutage.class);

    private final Set<String> waiting = ConcurrentHashMap.newKeySet();

    /** The records go back to be polled again; logged once per outage and service. */
    public void takeBack(String service, List<?> records, Throwable failure) throws InterruptedException {
        if (waiting.add(service)) {
            LOG.warn("{}: the database is unreachable ({}); its records wait and are polled again until it is back: nothing "
                    + "is dead-lettered or parked", service, failure.getMessage());
        }
        BatchOffsets.rewind(records);
        Thread.sleep(WAIT_MS);
    }

    /** A batch of the service committed: if it was waiting, the outage is over for it. */
    public void over(String service) {
        if (waiting.remove(service)) {
            LOG.info("{}: the database is back; consuming again", service);
        }
    }
}
