package org.orderevents.services;

import org.junit.jupiter.api.Test;
import org.orderevents.Service;
import org.orderevents.Services;

import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The setting {@code services}: names, the default, refusals, and the route files a selection leaves out. */
class ServicesTest {

    @Test
    void emptyOrAllRunsEveryServiceAndLoadsEveryRouteFile() {
        assertThat(Services.parse("").running()).isEqualTo(EnumSet.allOf(Service.class));
        assertThat(Services.parse(null).running()).isEqualTo(EnumSet.allOf(Service.class));
        assertThat(Services.parse(" all ").running()).isEqualTo(EnumSet.allOf(Service.class));
        assertThat(Services.all().excludedRouteFiles()).isEmpty();
    }

    @Test
    void namesAreCommaSeparatedWithSpacesAllowed() {
        assertThat(Services.parse("inventory-service, order-service").running()).containsExactlyInAnyOrder(Service.INVENTORY, Service.ORDER);
        assertThat(Services.parse("orders-api").processorNames()).isEmpty();
        assertThat(Services.parse("orders-api,analytics-service,email-service").processorNames())
                .containsExactly("email-service", "analytics-service");
    }

    @Test
    void anUnknownNameIsRefusedListingTheValidOnes() {
        assertThatThrownBy(() -> Services.parse("inventory-service,invetory-service,mail"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'invetory-service', 'mail'")
                .hasMessageContaining("orders-api, email-service, inventory-service, analytics-service, order-service");
        assertThatThrownBy(() -> Services.parse(" , ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("valid names");
    }

    @Test
    void aServiceAloneLeavesOutTheOtherServicesFilesAndTheSharedFilesItDoesNotNeed() {
        assertThat(Services.parse("analytics-service").excludedRouteFiles()).containsExactlyInAnyOrder("orders-api",
                "dead-letters-api", "reprocess-api", "live-view", "email-service", "inventory-service", "order-service", "event-outbox");
        // the reprocess worker runs where a service that can be reprocessed runs
        assertThat(Services.parse("email-service,inventory-service").excludedRouteFiles()).contains("reprocess-worker");
        assertThat(Services.parse("order-service").excludedRouteFiles()).doesNotContain("reprocess-worker");
        // the API publishes through the outbox but consumes nothing
        assertThat(Services.parse("orders-api").excludedRouteFiles()).contains("event-batches").doesNotContain("event-outbox", "orders-api");
        // e-mails are not published through the event outbox
        assertThat(Services.parse("email-service").excludedRouteFiles()).contains("event-outbox").doesNotContain("event-batches");
        assertThat(Services.parse("inventory-service").excludedRouteFiles()).doesNotContain("event-outbox", "event-batches", "inventory-service");
    }
}
