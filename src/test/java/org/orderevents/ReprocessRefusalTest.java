package org.orderevents;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.orderevents.event.Json;

import javax.sql.DataSource;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reprocess from a time the topic no longer holds, or from before the service kept its per-order rows, is refused
 * with the dates involved, and nothing is recorded; on a broker of the test's own, whose oldest records it deletes.
 */
class ReprocessRefusalTest extends OrderEventsTestSupport {

    private static final Map<String, String> TOKEN = Map.of("Authorization", "Bearer reprocess-refusal-token");

    @Override
    protected Map<String, String> overrideProperties() {
        return Map.of("kafka.brokers", startOwnBroker().bootstrapServers(), "admin.token", "reprocess-refusal-token");
    }

    @Test
    void aTimeTheTopicNoLongerHoldsIsRefusedWithItsDates() throws Exception {
        Instant before = Instant.now();
        for (int i = 0; i < 30; i++) {
            sendEvent("orders", "order.created", "user-" + i, orderCreated("refusal-" + i, "user-" + i, "mug", 1, "1"));
        }
        // the topic's retention, by hand: every record but the newest of each partition deleted
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition("orders", p), OffsetSpec.latest());
            }
            Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((partition, end) -> {
                if (end.offset() > 1) {
                    delete.put(partition, RecordsToDelete.beforeOffset(end.offset() - 1));
                }
            });
            assertThat(delete).isNotEmpty();
            admin.deleteRecords(delete).all().get(30, TimeUnit.SECONDS);
        }
        HttpResponse<String> refused = http("POST", "/admin/reprocess",
                Json.write(Map.of("service", "analytics-service", "from", before.toString())), TOKEN);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(json(refused.body()).get("detail").asText()).contains("from " + before, "older than what orders still holds",
                "written 20", "deleted by the topic's retention", "nothing was reprocessed");
        assertThat(queryLong("SELECT COUNT(*) FROM reprocess_runs")).isZero();
    }

    @Test
    void aTimeBeforeTheServiceKeptItsPerOrderRowsIsRefusedWithThatDate() throws Exception {
        Instant since = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        // a database whose figures an earlier version counted: the schema recorded since when the rows exist
        try (var connection = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class).getConnection(); var insert = connection.prepareStatement(
                "INSERT INTO reprocess_coverage (service, since) VALUES ('analytics-service', ?)")) {
            insert.setTimestamp(1, java.sql.Timestamp.from(since));
            insert.executeUpdate();
        }
        Instant from = since.minus(Duration.ofMinutes(5));
        HttpResponse<String> refused = http("POST", "/admin/reprocess",
                Json.write(Map.of("service", "analytics-service", "from", from.toString())), TOKEN);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(json(refused.body()).get("detail").asText()).contains("from " + from, "older than " + since,
                "keeps what each event added");
        assertThat(queryLong("SELECT COUNT(*) FROM reprocess_runs")).isZero();
    }
}
