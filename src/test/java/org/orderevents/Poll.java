package org.orderevents;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until a condition holds, checking it every 200 ms until a deadline: what Awaitility does (it is not served
 * by the registry here), for state that lives in another process, where NotifyBuilder cannot see.
 */
public final class Poll {

    private Poll() {
    }

    public static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        Exception last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }
}
