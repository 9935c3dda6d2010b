package org.orderevents.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    private static final String TOPIC = "orders";
    private static final String GROUP = "order-processor";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void topicsAndCommittedOffsetsSurviveARestart(@TempDir Path dataDir) throws Exception {
        TopicPartition partition;
        long committedOffset;

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
            assertThat(kafka.bootstrapServers()).startsWith("localhost:").doesNotEndWith(":0");
            assertThat(dataDir.resolve("kafka-logs/meta.properties")).exists();
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, 0))
                    .as("a second broker on the same data directory is refused")
                    .hasMessageContaining("already used by another running broker");

            try (Admin admin = admin(kafka)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }

            RecordMetadata sent;
            try (KafkaProducer<String, String> producer = producer(kafka)) {
                sent = producer.send(new ProducerRecord<>(TOPIC, "order-1", "{\"id\":1}")).get(30, TimeUnit.SECONDS);
            }
            partition = new TopicPartition(TOPIC, sent.partition());

            try (KafkaConsumer<String, String> consumer = consumer(kafka)) {
                consumer.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> received = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(500)).forEach(received::add);
                }
                assertThat(received).hasSize(1);
                assertThat(received.get(0).key()).isEqualTo("order-1");
                assertThat(received.get(0).value()).isEqualTo("{\"id\":1}");
                consumer.commitSync(Duration.ofSeconds(30));
                committedOffset = received.get(0).offset() + 1;
            }
        }
        String clusterIdBefore = clusterIdOf(dataDir);

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
            assertThat(clusterIdOf(dataDir)).isEqualTo(clusterIdBefore);
            try (Admin admin = admin(kafka)) {
                TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(TOPIC);
                assertThat(topic.partitions()).hasSize(3);

                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertThat(offsets).containsKey(partition);
                assertThat(offsets.get(partition).offset()).isEqualTo(committedOffset).isEqualTo(1L);
            }
            kafka.close();
            kafka.close(); // idempotent
        }
    }

    @Test
    void busyPortFailsFastWithAHelpfulMessage(@TempDir Path dataDir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("localhost", 0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, port))
                    .hasMessageContaining("port " + port)
                    .hasMessageContaining("kafka.brokers")
                    .hasMessageContaining("stop the other broker");
        }
    }

    private static String clusterIdOf(Path dataDir) throws Exception {
        Properties meta = new Properties();
        try (var in = Files.newInputStream(dataDir.resolve("kafka-logs/meta.properties"))) {
            meta.load(in);
        }
        assertThat(meta.getProperty("cluster.id")).isNotBlank();
        return meta.getProperty("cluster.id");
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()));
    }

    private static KafkaConsumer<String, String> consumer(EmbeddedKafka kafka) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()));
    }
}
