package org.orderevents;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.orderevents.fault.Poll;
import org.orderevents.kafka.EmbeddedKafka;
import org.orderevents.kafka.TopicSetup;

import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** One real Kafka broker per test JVM, on free ports in a temporary directory, with the contract's topics. */
public final class TestBroker {

    public static final List<String> GROUPS = List.of("email-service", "inventory-service", "analytics-service", "order-service");

    private static EmbeddedKafka broker;

    private TestBroker() {
    }

    public static synchronized String bootstrapServers() {
        if (broker == null) {
            try {
                broker = EmbeddedKafka.start(Files.createTempDirectory("order-events-test-kafka"), 0);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
            TopicSetup.createMissing(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), 3, (short) 1);
        }
        return broker.bootstrapServers();
    }

    /** Members per group when one instance runs: order-service has a route on orders and one on inventory. */
    private static final Map<String, Integer> MEMBERS = Map.of("email-service", 1, "inventory-service", 1,
            "analytics-service", 1, "order-service", 2);

    /** Waits until every service's group is stable with all its members (rebalances done). */
    public static void awaitGroupsStable(String brokers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            Poll.until("every consumer group stable with all its members", Duration.ofSeconds(60), () -> {
                for (ConsumerGroupDescription group : admin.describeConsumerGroups(GROUPS).all().get(10, TimeUnit.SECONDS).values()) {
                    if (group.state() != ConsumerGroupState.STABLE || group.members().size() != MEMBERS.get(group.groupId())
                            || group.members().stream().anyMatch(m -> m.assignment().topicPartitions().isEmpty())) {
                        return false;
                    }
                }
                return true;
            });
        }
    }

    /**
     * Moves every service's consumer group to the end of the topics, so that a test sees only the events it sends,
     * whatever the tests before it left behind. The groups must have no running member.
     */
    public static void moveGroupsToEnd() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : List.of("orders", "inventory")) {
                for (int partition = 0; partition < 3; partition++) {
                    latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
                }
            }
            Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                    .forEach((partition, info) -> ends.put(partition, new OffsetAndMetadata(info.offset())));
            for (String group : GROUPS) {
                // a member left behind by a failed test (a killed process) would block the reset until its session ends
                try {
                    admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // no member, or the group does not exist yet
                }
                admin.alterConsumerGroupOffsets(group, ends).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

}
