package org.orderevents.wiring;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.orderevents.Service;
import org.orderevents.Services;

import java.time.Duration;

/**
 * One process, in order: the broker and the topics, the database, the beans every process has, then each service it
 * runs ({@code services}): its repository, if it consumes, and its beans. At start-up, every consumer must have its
 * repository ({@link ConsumerRepositories}).
 */
public final class ProcessWiring {

    private ProcessWiring() {
    }

    public static void configure(CamelContext context) throws Exception {
        Settings settings = new Settings(context);
        Services services = Services.parse(settings.text("services", ""));
        Duration idRetention = settings.duration("processed-events.retention", "P14D");
        Infrastructure.broker(context, settings, idRetention);
        HikariDataSource dataSource = Infrastructure.database(context, settings);
        Wiring wiring = SharedBeans.bind(context, settings, services, dataSource, idRetention);
        for (Service service : services.running()) {
            if (service.consumes()) {
                wiring.repository(service);
            }
            service.beans().bind(wiring);
        }
        context.addStartupListener(new ConsumerRepositories());
    }
}
