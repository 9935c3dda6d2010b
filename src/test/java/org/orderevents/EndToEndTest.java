package org.orderevents;

import org.junit.jupiter.api.Test;

/** Orders in at the API; every service's effect out, exact (the scenario lives in the kit, PostgreSQL runs it too). */
class EndToEndTest extends OrderEventsTestSupport {

    @Test
    void everyServiceReactsToEachOrderExactlyOnce() throws Exception {
        assertEveryServiceReactsToEachOrderExactlyOnce();
    }
}
