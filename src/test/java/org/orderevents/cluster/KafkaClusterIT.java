package org.orderevents.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.orderevents.Poll;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fixture itself: three broker JVMs that replicate as a production cluster does (acks=all needs two in-sync
 * replicas), and a broker stopped, killed and restarted on its ports and data comes back into the cluster.
 */
class KafkaClusterIT {

    @Test
    void threeBrokersReplicateAndComeBackAfterAStopAndAKill() throws Exception {
        long started = System.nanoTime();
        try (KafkaCluster cluster = KafkaCluster.start(3, KafkaCluster.directory("KafkaClusterIT"))) {
            System.out.printf("KafkaClusterIT: a cluster of 3 brokers started in %d ms%n", millisSince(started));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
                assertThat(brokerIds(admin)).containsExactlyInAnyOrder(0, 1, 2);
                admin.createTopics(List.of(new NewTopic("replicated", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
                Poll.until("every partition of the new topic with three in-sync replicas", Duration.ofSeconds(30), () -> {
                    TopicDescription topic = admin.describeTopics(List.of("replicated")).allTopicNames().get(5, TimeUnit.SECONDS)
                            .get("replicated");
                    return topic.partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == 3);
                });

                try (KafkaProducer<String, String> producer = producer(cluster, true)) {
                    send(producer, "all three up");

                    cluster.kill(1);
                    assertThat(cluster.isRunning(1)).isFalse();
                    send(producer, "one of three killed: two in sync is enough");

                    long stopped = System.nanoTime();
                    cluster.stop(2);
                    // one replica of three left: min.insync.replicas 2 refuses acks=all
                    try (KafkaProducer<String, String> once = producer(cluster, false)) {
                        Poll.until("acks=all refused for want of in-sync replicas", Duration.ofSeconds(60), () -> {
                            try {
                                once.send(new ProducerRecord<>("replicated", 0, "k", "one left")).get(30, TimeUnit.SECONDS);
                                return false;
                            } catch (ExecutionException e) {
                                return e.getCause() instanceof NotEnoughReplicasException;
                            }
                        });
                    }
                    System.out.printf("KafkaClusterIT: acks=all refused with one broker of three within %d ms of stopping another%n",
                            millisSince(stopped));

                    long restarted = System.nanoTime();
                    cluster.restart(1);
                    cluster.restart(2);
                    System.out.printf("KafkaClusterIT: the killed and the stopped broker back in %d ms%n", millisSince(restarted));
                    send(producer, "all back");
                }
                // a broker answers from its own copy of the metadata, which learns of a restarted broker a moment later
                Poll.until("every broker listed again", Duration.ofSeconds(30), () -> brokerIds(admin).size() == 3);
                Poll.until("every partition in sync again on three brokers", Duration.ofSeconds(60), () ->
                        admin.describeTopics(List.of("replicated")).allTopicNames().get(5, TimeUnit.SECONDS).get("replicated")
                                .partitions().stream().allMatch(p -> p.isr().size() == 3));
            }
        }
    }

    private static List<Integer> brokerIds(Admin admin) throws Exception {
        return admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream().map(Node::id).sorted().toList();
    }

    /** acks=all; with retries, until a minute has passed, or without: the broker's first answer is the send's. */
    private static KafkaProducer<String, String> producer(KafkaCluster cluster, boolean retries) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, retries,
                ProducerConfig.RETRIES_CONFIG, retries ? Integer.MAX_VALUE : 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100),
                new StringSerializer(), new StringSerializer());
    }

    /** One record to each partition, every one acknowledged by the in-sync replicas. */
    private static void send(KafkaProducer<String, String> producer, String value) throws Exception {
        for (int partition = 0; partition < 3; partition++) {
            producer.send(new ProducerRecord<>("replicated", partition, "k", value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
