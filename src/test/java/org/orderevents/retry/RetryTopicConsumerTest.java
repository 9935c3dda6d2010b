package org.orderevents.retry;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.orderevents.batch.EngineKit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retry topics' consumer ({@link RetryTopicConsumer}, through {@code eventBatch.retry}) without a broker
 * ({@link EngineKit}): the copies it reads are the ones the batch wrote, read back with a retry partition's offsets.
 */
class RetryTopicConsumerTest {

    @TempDir
    Path dir;

    private EngineKit kit;

    @BeforeEach
    void start() throws Exception {
        // a first retry 60 s after the failure, unless a test's route says otherwise
        kit = new EngineKit(dir, new RetryPolicy(3, 60_000, 2, 60_000, false));
    }

    @AfterEach
    void stop() {
        kit.close();
    }

    @Test
    void aCopyWithoutARowIsStaleOnceItsBatchCommittedAndIsSkipped() throws Exception {
        kit.failing.add("x1");
        kit.process("orders", "", kit.record("orders", 0, 7, "u1", "x1"));
        // its row is gone (done with elsewhere): the copy is stale
        execute("DELETE FROM parked_events");
        List<Exchange> copies = kit.retryCopies("orders");
        kit.ran.clear();
        kit.commits.clear();

        kit.retry("orders", copies);

        assertThat(kit.ran).isEmpty();
        assertThat(kit.commits).as("skipped: its offset is committed").containsExactly("orders.retry-0@0");
        assertThat(kit.mock("orders.dlq").getExchanges()).isEmpty();
    }

    @Test
    void aCopyWithoutARowWaitsWhileItsBatchHasNotCommitted() throws Exception {
        kit.failing.add("x1");
        kit.process("orders", "", kit.record("orders", 0, 7, "u1", "x1"));
        execute("DELETE FROM parked_events");
        kit.sourceCommitted.set(false);
        List<Exchange> copies = kit.retryCopies("orders");
        kit.commits.clear();

        kit.retry("orders", copies);

        assertThat(kit.commits).as("polled again from it").isEmpty();
    }

    @Test
    void aHeadThatIsNotDueStopsItsPartition() throws Exception {
        kit.failing.add("x1");
        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "x1"), kit.record("orders", 0, 1, "u2", "y1"));
        kit.failing.add("y2");
        kit.process("orders", "", kit.record("orders", 0, 2, "u2", "y2"));
        // u2's y2 failed alone and parked too; its copy follows x1's in the retry partition
        assertThat(kit.parkedRows()).containsExactly("orders u1@0 attempts 1", "orders u2@2 attempts 1");
        kit.failing.remove("x1");
        List<Exchange> copies = kit.retryCopies("orders");
        kit.ran.clear();
        kit.commits.clear();

        long started = System.currentTimeMillis();
        kit.retry("orders", copies);

        assertThat(kit.ran).as("x1 is due in 60 s: neither it nor what is behind it in the partition is tried").isEmpty();
        assertThat(kit.commits).isEmpty();
        assertThat(System.currentTimeMillis() - started).as("polls again soon").isLessThan(2_000);
        assertThat(kit.parkedRows()).containsExactly("orders u1@0 attempts 1", "orders u2@2 attempts 1");
    }

    @Test
    void aWokenKeysHeadIsTriedAtOnceAndDoneWithWithoutCountingARetry() throws Exception {
        kit.failing.add("result");
        kit.process("inventory", "", kit.record("inventory", 0, 0, "u1", "result"));
        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "order"));
        assertThat(kit.parkedRows()).containsExactly("inventory u1@0 attempts 1 woken");
        kit.failing.remove("result");
        List<Exchange> copies = kit.retryCopies("inventory");
        kit.commits.clear();

        kit.retry("inventory", copies);

        assertThat(kit.effects()).containsExactly("order", "result");
        assertThat(kit.parkedRows()).isEmpty();
        assertThat(kit.commits).containsExactly("inventory.retry-0@0");
        assertThat(kit.counter("order_events_retries")).as("a woken try is not a retry").isZero();
        assertThat(kit.counter("order_events_unparked")).isEqualTo(1);
    }

    @Test
    void aWokenTryThatFailsCountsNoAttempt() throws Exception {
        kit.failing.add("result");
        kit.process("inventory", "", kit.record("inventory", 0, 0, "u1", "result"));
        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "order"));

        kit.retry("inventory", kit.retryCopies("inventory"));

        assertThat(kit.parkedRows()).as("attempts as before, no longer woken").containsExactly("inventory u1@0 attempts 1");
        assertThat(kit.ran).as("twice in its batch, once woken").filteredOn("result"::equals).hasSize(3);
    }

    @Test
    void aDueHeadThatKeepsFailingCountsItsAttemptsThenIsDeadLetteredWithItsHistory() throws Exception {
        kit.failing.add("x1");
        String retries = "retries=2 delay=0 max-delay=0";
        kit.process("orders", retries, kit.record("orders", 0, 5, "u1", "x1"));
        List<Exchange> copies = kit.retryCopies("orders");

        kit.retry("orders", copies);
        assertThat(kit.parkedRows()).containsExactly("orders u1@5 attempts 2");
        assertThat(kit.commits).as("stays where it is").containsExactly("orders-0@5");
        kit.retry("orders", copies);

        assertThat(kit.parkedRows()).isEmpty();
        List<Exchange> letters = kit.mock("orders.dlq").getExchanges();
        assertThat(letters).hasSize(1);
        Message letter = letters.get(0).getMessage();
        assertThat(letter.getHeader("dlq.attempts")).isEqualTo("3");
        assertThat(letter.getHeader(RetryTopics.ATTEMPTS)).isEqualTo("3");
        assertThat(letter.getHeader("dlq.original.topic")).as("as its source record").isEqualTo("orders");
        assertThat(letter.getHeader("dlq.original.offset")).isEqualTo("5");
        assertThat(letter.getHeader(RetryTopics.HISTORY, String.class).lines()).hasSize(3);
        assertThat(kit.commits).containsExactly("orders-0@5", "orders.retry-0@0");
        assertThat(kit.counter("order_events_retries")).isEqualTo(2);
    }

    @Test
    void aCopyThatIsNotItsKeysHeadIsSentBehindIt() throws Exception {
        kit.failing.add("x1");
        kit.process("orders", "", kit.record("orders", 0, 0, "u1", "x1"), kit.record("orders", 0, 1, "u1", "x2"));
        List<Exchange> copies = kit.retryCopies("orders");
        // x2's copy read before x1's (a copy made twice, ahead of its head)
        kit.commits.clear();

        kit.retry("orders", List.of(copies.get(1)));

        assertThat(kit.ran).doesNotContain("x2");
        assertThat(kit.mock("orders.retry").getExchanges()).extracting(copy -> copy.getMessage().getBody(String.class))
                .containsExactly("x1", "x2", "x2");
        assertThat(kit.commits).containsExactly("orders.retry-0@1");
    }

    @Test
    void aDatabaseOutageTakesTheCopiesBackAndCountsNoAttempt() throws Exception {
        kit.failing.add("x1");
        kit.process("orders", "retries=2 delay=0 max-delay=0", kit.record("orders", 0, 0, "u1", "x1"));
        kit.failing.remove("x1");
        kit.breaking.add("x1");
        List<Exchange> copies = kit.retryCopies("orders");
        kit.commits.clear();

        kit.retry("orders", copies);

        kit.dataSource.broken.set(false);
        assertThat(kit.commits).isEmpty();
        assertThat(kit.parkedRows()).containsExactly("orders u1@0 attempts 1");
        assertThat(kit.mock("orders.dlq").getExchanges()).isEmpty();

        kit.retry("orders", copies);

        assertThat(kit.effects()).containsExactly("x1");
        assertThat(kit.parkedRows()).isEmpty();
        assertThat(kit.commits).containsExactly("orders.retry-0@0");
    }

    private void execute(String sql) throws Exception {
        try (Connection connection = kit.pool.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.execute();
        }
    }
}
