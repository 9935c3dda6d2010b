package org.orderevents.wiring;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.orderevents.Service;
import org.orderevents.db.ProcessedEvents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The start fails, naming the route and the group, for a consumer without its repository or a repository without its consumer. */
class ConsumerRepositoriesTest {

    @Test
    void aConsumerWithoutItsRepositoryAndARepositoryWithoutItsConsumerStopTheStart() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            // a lambda, not a RouteBuilder class, which camel-main's route discovery would pick up in every other test
            RouteBuilder.addRoutes(context, routes -> {
                routes.from("kafka:orders?groupId=loyalty-service&batching=true").routeId("loyalty-service").autoStartup(false)
                        .to("log:loyalty");
                routes.from("kafka:orders?groupId=email-service&batching=true").routeId("email-service").autoStartup(false)
                        .to("log:email");
            });
            context.getRegistry().bind(Service.EMAIL.repositoryBean(), new ProcessedEvents(null, "email-service"));
            context.start();
            assertThatCode(() -> ConsumerRepositories.check(context)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> ConsumerRepositories.check(context))
                    .hasMessage("route loyalty-service consumes as group loyalty-service but no idempotent repository has that "
                            + "processor name (register the service in Service.java)");

            context.getRegistry().bind("processedByLoyaltyService", new ProcessedEvents(null, "loyalty-service"));
            context.getRegistry().bind("processedByOldService", new ProcessedEvents(null, "old-service"));
            assertThatThrownBy(() -> ConsumerRepositories.check(context))
                    .hasMessage("the idempotent repository processedByOldService (processor old-service) has no route consuming as "
                            + "group old-service (routes consuming in batches: email-service, loyalty-service)");
        }
    }

    @Test
    void aServicesRepositoryIsNamedAfterItsGroup() {
        assertThat(Service.EMAIL.repositoryBean()).isEqualTo("processedByEmailService");
        assertThat(Service.ORDER.repositoryBean()).isEqualTo("processedByOrderService");
    }
}
