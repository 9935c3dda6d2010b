package org.orderevents;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommitFactory;
import org.orderevents.wiring.ProcessWiring;

/**
 * Brings up what the routes stand on (the broker, embedded when {@code kafka.brokers} is empty; the topics; the database
 * and its schema), then binds the beans that the route files of this process's services ({@code services},
 * {@link Service}) call by name, and nothing of the other services: {@link ProcessWiring}.
 */
public class OrderEventsConfiguration implements CamelConfiguration {

    /** With manual commit allowed, this factory makes camel-kafka commit each record's offset after its exchange. */
    @BindToRegistry("kafkaManualCommitFactory")
    public DefaultKafkaManualCommitFactory kafkaManualCommitFactory() {
        return new DefaultKafkaManualCommitFactory();
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        ProcessWiring.configure(context);
    }
}
