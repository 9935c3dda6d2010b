package org.orderevents.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.orderevents.Poll;
import org.orderevents.TestHttp;
import org.orderevents.fault.AppProcess;
import org.orderevents.kafka.TopicSetup;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's first start on a fresh cluster of three brokers, as issue 20 saw it fail: in a JVM of its own,
 * topics with replication factor 3. It must become ready, with the contract's topics on every broker, and nothing it
 * reads at start-up (the topic set-up, the first lag reading, the consumers) may find a topic unknown.
 */
class FirstStartOnClusterIT {

    @Test
    void theApplicationStartsOnAFreshThreeBrokerCluster() throws Exception {
        Path dir = KafkaCluster.directory("FirstStartOnClusterIT");
        long started = System.nanoTime();
        try (KafkaCluster cluster = KafkaCluster.start(3, dir.resolve("kafka"))) {
            System.out.printf("FirstStartOnClusterIT: a cluster of 3 brokers started in %d ms%n", millisSince(started));
            int port = KafkaCluster.freePorts(1)[0];
            Path log = dir.resolve("app.log");
            started = System.nanoTime();
            try (AppProcess app = AppProcess.start(Map.of("kafka.brokers", cluster.bootstrapServers(),
                    "topics.replication-factor", "3", "data.dir", dir.resolve("data").toString(),
                    "db.url", "jdbc:h2:file:" + dir.resolve("db") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "db.user", "sa",
                    "http.port", String.valueOf(port)), log)) {
                Poll.until("/observe/health/ready answering 200 (see " + log + ")", Duration.ofSeconds(90), () ->
                        TestHttp.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/observe/health/ready"))
                                .build()).statusCode() == 200);
                System.out.printf("FirstStartOnClusterIT: the application ready %d ms after its launch%n", millisSince(started));
                assertThat(app.stop()).as("exit code after SIGTERM, see " + log).isIn(0, 130, 143);
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
                Map<String, TopicDescription> topics = admin.describeTopics(TopicSetup.TOPICS).allTopicNames().get(10, TimeUnit.SECONDS);
                topics.values().forEach(topic -> assertThat(topic.partitions()).as(topic.name())
                        .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
            }
            List<String> unknown = Files.readAllLines(log).stream()
                    .filter(line -> line.contains("UnknownTopicOrPartition") || line.contains("UNKNOWN_TOPIC_OR_PARTITION")
                            || line.contains("Cannot read the consumer lag") || line.contains(" ERROR "))
                    .toList();
            assertThat(unknown).as("errors and unknown topics in " + log).isEmpty();
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
