package org.orderevents;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.orderevents.kafka.EmbeddedKafka;
import org.orderevents.kafka.TopicSetup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** One real Kafka broker per test JVM, on free ports in a temporary directory, with the contract's topics. */
public final class TestBroker {

    /**
     * The consumer groups of the routes in {@code routes/}, each with the topics its routes read and its number of
     * routes (its members when one instance runs): a new service's group is found without changing the test kit.
     */
    public static final Map<String, Group> GROUPS = RouteGroups.read(Path.of("routes"));

    /** The groups whose routes read the topic. */
    public static List<String> groupsReading(String topic) {
        return GROUPS.entrySet().stream().filter(group -> group.getValue().topics().contains(topic)).map(Map.Entry::getKey).toList();
    }

    /** A consumer group of the application's routes. */
    public record Group(Set<String> topics, int members) {
    }

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

    /** Waits until every group is stable with all its members (rebalances done). */
    public static void awaitGroupsStable(String brokers, Map<String, Group> groups) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            Poll.until("every consumer group stable with all its members", Duration.ofSeconds(60), () -> {
                for (ConsumerGroupDescription group : admin.describeConsumerGroups(groups.keySet()).all().get(10, TimeUnit.SECONDS).values()) {
                    if (group.state() != ConsumerGroupState.STABLE || group.members().size() != groups.get(group.groupId()).members()
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
            for (Group group : GROUPS.values()) {
                for (String topic : group.topics()) {
                    for (int partition = 0; partition < 3; partition++) {
                        latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
                    }
                }
            }
            Map<TopicPartition, OffsetAndMetadata> allEnds = new HashMap<>();
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                    .forEach((partition, info) -> allEnds.put(partition, new OffsetAndMetadata(info.offset())));
            for (String group : GROUPS.keySet()) {
                Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>(allEnds);
                ends.keySet().removeIf(partition -> !GROUPS.get(group).topics().contains(partition.topic()));
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
