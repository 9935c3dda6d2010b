package org.orderevents.batch;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.orderevents.event.InvalidEventException;
import org.orderevents.retry.RetryPolicy;
import org.orderevents.retry.RetryTopics;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batch consumer's step ({@link EventBatch#process}) without a broker ({@link EngineKit}): how a failed batch is
 * split, what becomes of its failing record, parking behind a key, and a database outage in the middle of a batch.
 */
class EventBatchEngineTest {

    private static final RetryPolicy DEFAULTS = new RetryPolicy(3, 60_000, 2, 60_000, false);

    @TempDir
    Path dir;

    private EngineKit kit;

    @BeforeEach
    void start() throws Exception {
        kit = new EngineKit(dir, DEFAULTS);
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    @Test
    void aBatchCommitsOnceAndItsOffsetsAfterIt() throws Exception {
        kit.process("orders", "", kit.record("orders", 0, 10, "u1", "a"), kit.record("orders", 1, 20, "u2", "b"),
                kit.record("orders", 0, 11, "u3", "c"));

        assertThat(kit.effects()).containsExactly("a", "b", "c");
        assertThat(kit.ran).containsExactly("a", "b", "c");
        assertThat(kit.commits).as("the last offset of each partition").containsExactlyInAnyOrder("orders-0@11", "orders-1@20");
        assertThat(kit.counter("order_events_processed")).isEqualTo(3);
    }

    @Test
    void aBadEventInTheMiddleCommitsThePrefixGoesAloneAndParksAndTheSuffixCommits() throws Exception {
        kit.failing.add("c");

        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "a"), kit.record("orders", 0, 1, "u2", "b"),
                kit.record("orders", 0, 2, "u3", "c"), kit.record("orders", 0, 3, "u4", "d"), kit.record("orders", 0, 4, "u5", "e"));

        assertThat(kit.effects()).containsExactly("a", "b", "d", "e");
        // the whole batch, rolled back at c; a and b again as a batch; c alone; d and e as a batch
        assertThat(kit.ran).containsExactly("a", "b", "c", "a", "b", "c", "d", "e");
        assertThat(kit.parkedRows()).containsExactly("orders u3@2 attempts 1");
        List<Exchange> copies = kit.mock("orders.retry").getExchanges();
        assertThat(copies).hasSize(1);
        Message copy = copies.get(0).getMessage();
        assertThat(copy.getHeader(RetryTopics.GROUP)).isEqualTo(EngineKit.GROUP);
        assertThat(copy.getHeader(RetryTopics.ATTEMPTS)).isEqualTo("1");
        assertThat(copy.getHeader(RetryTopics.ORIGINAL_OFFSET)).isEqualTo("2");
        assertThat(copy.getHeader(RetryTopics.HISTORY, String.class)).contains("attempt 1 failed", "not yet: c");
        assertThat(kit.mock("orders.dlq").getExchanges()).isEmpty();
        assertThat(kit.commits).containsExactly("orders-0@4");
    }

    @Test
    void anInvalidEventIsDeadLetteredAtOnceAndNothingIsParked() throws Exception {
        kit.invalid.add("b");

        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "a"), kit.record("orders", 0, 1, "u2", "b"),
                kit.record("orders", 0, 2, "u3", "c"));

        assertThat(kit.effects()).containsExactly("a", "c");
        assertThat(kit.parkedRows()).isEmpty();
        List<Exchange> letters = kit.mock("orders.dlq").getExchanges();
        assertThat(letters).hasSize(1);
        Message letter = letters.get(0).getMessage();
        assertThat(letter.getBody(String.class)).isEqualTo("b");
        assertThat(letter.getHeader("dlq.attempts")).isEqualTo("1");
        assertThat(letter.getHeader("dlq.consumer.group")).isEqualTo(EngineKit.GROUP);
        assertThat(letter.getHeader("dlq.route")).isEqualTo(EngineKit.BATCH_ROUTE);
        assertThat(letter.getHeader("dlq.original.offset")).isEqualTo("1");
        assertThat(letter.getHeader("dlq.exception.class")).isEqualTo(InvalidEventException.class.getName());
        assertThat(kit.commits).containsExactly("orders-0@2");
    }

    @Test
    void aRouteWithoutRetriesDeadLettersAFailureThatMayPass() throws Exception {
        kit.failing.add("a");

        kit.process("orders", "retries=0", kit.record("orders", 0, 0, "u1", "a"));

        assertThat(kit.parkedRows()).isEmpty();
        assertThat(kit.mock("orders.dlq").getExchanges()).hasSize(1);
        assertThat(kit.commits).containsExactly("orders-0@0");
    }

    @Test
    void aFailingEventParksItsKeyLaterEventsOfTheKeyParkBehindItAndOtherKeysFlow() throws Exception {
        kit.failing.add("x1");

        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "x1"), kit.record("orders", 0, 1, "u2", "y1"),
                kit.record("orders", 0, 2, "u1", "x2"), kit.record("orders", 0, 3, "u3", "z1"));
        // a later poll: u1 is still parked, so its event waits without being tried
        kit.process("orders", "", kit.record("orders", 0, 4, "u1", "x3"), kit.record("orders", 0, 5, "u2", "y2"));

        assertThat(kit.effects()).containsExactly("y1", "z1", "y2");
        assertThat(kit.ran).as("x2 and x3 are never tried").doesNotContain("x2", "x3");
        assertThat(kit.parkedRows()).containsExactly("orders u1@0 attempts 1", "orders u1@2 attempts 0",
                "orders u1@4 attempts 0");
        assertThat(kit.mock("orders.retry").getExchanges()).extracting(copy -> copy.getMessage().getBody(String.class))
                .containsExactly("x1", "x2", "x3");
        assertThat(kit.mock("orders.retry").getExchanges().get(2).getMessage().getHeader(RetryTopics.DUE_AT))
                .isEqualTo("after its key's head");
        assertThat(kit.commits).containsExactly("orders-0@3", "orders-0@5");
        assertThat(kit.counter("order_events_parked")).isEqualTo(3);
    }

    @Test
    void anEventOfAParkedKeyOnAnotherTopicWakesIt() throws Exception {
        kit.failing.add("result");
        kit.process("inventory", "", kit.record("inventory", 0, 0, "u1", "result"));
        assertThat(kit.parkedRows()).containsExactly("inventory u1@0 attempts 1");

        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "order"), kit.record("orders", 0, 1, "u2", "other"));

        assertThat(kit.effects()).containsExactly("order", "other");
        assertThat(kit.parkedRows()).as("due now rather than in 60 s").containsExactly("inventory u1@0 attempts 1 woken");
    }

    @Test
    void aDatabaseOutageInTheMiddleOfABatchTakesItBackWithoutDeadLetteringOrParking() throws Exception {
        kit.breaking.add("c");
        Exchange[] records = {kit.record("orders", 0, 0, "u1", "a"), kit.record("orders", 0, 1, "u2", "b"),
                kit.record("orders", 0, 2, "u3", "c"), kit.record("orders", 0, 3, "u4", "d")};

        kit.process("orders", "", records);

        assertThat(kit.commits).as("no offset moves").isEmpty();
        assertThat(kit.mock("orders.dlq").getExchanges()).isEmpty();
        assertThat(kit.mock("orders.retry").getExchanges()).isEmpty();
        assertThat(kit.ran).as("nothing tried alone").containsExactly("a", "b", "c");
        kit.dataSource.broken.set(false);
        assertThat(kit.parkedRows()).isEmpty();
        assertThat(kit.effects()).as("rolled back").isEmpty();

        // the database is back: the same records, polled again, commit
        kit.process("orders", "", records);

        assertThat(kit.effects()).containsExactly("a", "b", "c", "d");
        assertThat(kit.commits).containsExactly("orders-0@3");
        assertThat(kit.mock("orders.dlq").getExchanges()).isEmpty();
    }

    @Test
    void noConnectionWithinThePoolsTimeoutTakesTheBatchBack() throws Exception {
        kit.dataSource.broken.set(true);

        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "a"), kit.record("orders", 0, 1, "u2", "b"));

        kit.dataSource.broken.set(false);
        assertThat(kit.ran).isEmpty();
        assertThat(kit.commits).isEmpty();
        assertThat(kit.mock("orders.dlq").getExchanges()).isEmpty();
        assertThat(kit.parkedRows()).isEmpty();
    }
}
