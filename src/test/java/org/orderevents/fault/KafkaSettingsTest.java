package org.orderevents.fault;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka security settings pass from {@code camel.component.kafka.*} to every client of the application (the start-up
 * topic check and the broker health check use the component's settings too); a wrong one stops the start with a
 * message that names it, and the password of a SASL configuration appears in no log line.
 */
class KafkaSettingsTest extends FaultTestSupport {

    private static final String PASSWORD = "s3cr3t-Pa55-for-the-test";

    @Test
    void aSecurityProtocolKafkaDoesNotKnowStopsTheStartNamingTheSettingAndHidingThePassword() throws Exception {
        Map<String, String> properties = new HashMap<>(appProperties());
        properties.put("camel.component.kafka.security-protocol", "SASL_PLAINTEXTX");
        properties.put("camel.component.kafka.sasl-mechanism", "PLAIN");
        properties.put("camel.component.kafka.sasl-jaas-config", "org.apache.kafka.common.security.plain.PlainLoginModule "
                + "required username=\"orders\" password=\"" + PASSWORD + "\";");

        int exit = AppProcess.runUntilExit(properties, log("kafka-settings-protocol"));
        String output = Files.readString(log("kafka-settings-protocol"));

        assertThat(exit).as("the start fails").isNotZero();
        // the first Kafka client (the topic set-up's, at start-up) refuses it, naming the Kafka setting and the value
        assertThat(output).contains("the Kafka client settings (camel.component.kafka.*) are not valid")
                .contains("Invalid value SASL_PLAINTEXTX for configuration security.protocol");
        assertThat(output).as("no secret in a log line").doesNotContain(PASSWORD);
    }

    @Test
    void saslWithoutALoginConfigurationStopsTheStartSayingWhatIsMissing() throws Exception {
        Map<String, String> properties = new HashMap<>(appProperties());
        properties.put("camel.component.kafka.security-protocol", "SASL_PLAINTEXT");
        properties.put("camel.component.kafka.sasl-mechanism", "PLAIN");

        int exit = AppProcess.runUntilExit(properties, log("kafka-settings-jaas"));
        String output = Files.readString(log("kafka-settings-jaas"));

        assertThat(exit).isNotZero();
        assertThat(output).contains("the Kafka client settings (camel.component.kafka.*) are not valid")
                .contains("Could not find a 'KafkaClient' entry in the JAAS configuration");
    }
}
