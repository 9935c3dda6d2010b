package org.orderevents.api;

import org.apache.camel.CamelContext;
import org.orderevents.analytics.AnalyticsFigures;
import org.orderevents.deadletter.DeadLetterReplay;
import org.orderevents.inventory.StockLevels;
import org.orderevents.order.OrderIntake;
import org.orderevents.reprocess.ReprocessRequests;
import org.orderevents.reprocess.ReprocessRuns;
import org.orderevents.wiring.Wiring;

import java.nio.file.Path;

/** The beans of orders-api's route files (orders-api, dead-letters-api, live-view). */
public final class OrdersApiBeans {

    private OrdersApiBeans() {
    }

    public static void bind(Wiring wiring) throws java.io.IOException {
        CamelContext context = wiring.context();
        wiring.bind("orderIntake", new OrderIntake(wiring.orderBook()));
        wiring.bind("jsonRequestBody", new JsonRequestBody());
        wiring.bind("schemaDocuments", new SchemaDocuments());
        wiring.bind("idempotencyKeys", new IdempotencyKeys());
        wiring.bind("stockLevels", new StockLevels(wiring.dataSource()));
        wiring.bind("analyticsFigures", new AnalyticsFigures(wiring.dataSource()));
        wiring.bind("adminToken", AdminToken.load(wiring.settings().text("admin.token", ""),
                Path.of(wiring.settings().text("data.dir", "data"))));
        wiring.bind("deadLetterReplay", new DeadLetterReplay(context, context.createProducerTemplate(), wiring.metrics(),
                wiring.idRetention()));
        wiring.bind("reprocessRequests", new ReprocessRequests(context, new ReprocessRuns(wiring.dataSource()), wiring.idRetention()));
    }
}
