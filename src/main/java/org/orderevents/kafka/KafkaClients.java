package org.orderevents.kafka;

import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** Kafka clients of the project's own (topic set-up, health) made with the Camel Kafka component's settings. */
public final class KafkaClients {

    private KafkaClients() {
    }

    /**
     * Admin client settings: the component's bootstrap servers and every setting an admin client knows, security
     * (SASL, SSL) included. Read them once camel-main has configured the component, that is once the context starts:
     * configuration classes run before the {@code camel.component.kafka.*} keys are applied.
     */
    public static Map<String, Object> adminProperties(CamelContext context) {
        KafkaConfiguration kafka = context.getComponent("kafka", KafkaComponent.class).getConfiguration();
        Map<String, Object> config = new HashMap<>();
        kafka.createProducerProperties().forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(String.valueOf(key))) {
                config.put(String.valueOf(key), value);
            }
        });
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokers());
        return config;
    }

    /** An admin client with the component's settings whose requests give up after {@code timeoutMs}. */
    public static Admin admin(CamelContext context, String clientId, int timeoutMs) {
        Map<String, Object> config = adminProperties(context);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        return Admin.create(config);
    }

    /** A consumer with the Kafka component's settings (brokers, security), but no group: it commits nothing. */
    public static KafkaConsumer<byte[], byte[]> consumer(CamelContext context, Duration apiTimeout) {
        KafkaConfiguration kafka = context.getComponent("kafka", KafkaComponent.class).getConfiguration();
        Properties properties = kafka.createConsumerProperties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokers());
        properties.remove(ConsumerConfig.GROUP_ID_CONFIG);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(apiTimeout.toMillis()));
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
