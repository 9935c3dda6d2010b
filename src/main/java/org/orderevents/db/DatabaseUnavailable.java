package org.orderevents.db;

/**
 * The database, which every event needs, cannot be reached: not a failure of the events at hand. A consumer that meets
 * it takes its records back (they are polled again) and waits, rather than retrying, parking or dead-lettering them.
 * Which failures are outages: {@link OutageClassifier}.
 */
public class DatabaseUnavailable extends RuntimeException {

    public DatabaseUnavailable(Throwable cause) {
        super("the database is unreachable: " + cause.getMessage(), cause);
    }
}
