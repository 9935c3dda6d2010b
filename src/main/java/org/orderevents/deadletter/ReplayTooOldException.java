package org.orderevents.deadletter;

import java.time.Duration;
import java.util.Locale;

/** A dead letter older than the processed-id retention: replaying it would do its effects again in other groups (409). */
public class ReplayTooOldException extends RuntimeException {

    public ReplayTooOldException(String letter, Duration age, Duration retention) {
        super("dead letter " + letter + " is " + days(age) + " old, older than the processed-id retention "
                + "(processed-events.retention, " + days(retention) + "): the groups that processed it no longer know it and "
                + "would act on it again; nothing was replayed");
    }

    private static String days(Duration duration) {
        return String.format(Locale.ROOT, "%.1f days", duration.toMillis() / 86_400_000.0);
    }
}
