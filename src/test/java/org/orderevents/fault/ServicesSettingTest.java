package org.orderevents.fault;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An unknown name in {@code services} stops the start of the real application, listing the valid names. */
class ServicesSettingTest extends FaultTestSupport {

    @Test
    void anUnknownServiceNameStopsTheStartListingTheValidNames() throws Exception {
        Map<String, String> properties = new HashMap<>(appProperties());
        properties.put("services", "orders-api,inventroy-service");

        int exit = AppProcess.runUntilExit(properties, log("services-unknown"));
        String output = Files.readString(log("services-unknown"));

        assertThat(exit).as("the start fails").isNotZero();
        assertThat(output).contains("services: unknown name 'inventroy-service'")
                .contains("valid names: orders-api, email-service, inventory-service, analytics-service, order-service");
        assertThat(output).doesNotContain("(order-events) started in");
    }
}
