package org.orderevents;

import org.apache.camel.main.Main;

/** Runs order-events: {@code mvn compile camel:run}, or the packaged {@code java -jar target/order-events.jar}. */
public final class App {

    private App() {
    }

    public static void main(String[] args) throws Exception {
        // scans this package: OrderEventsConfiguration brings up the broker, the topics, the database and the beans
        Main main = new Main(App.class);
        // the root application.properties, read where it is edited, wins over the copy packaged on the classpath
        main.setPropertyPlaceholderLocations("classpath:application.properties;optional=true,"
                + "file:application.properties;optional=true");
        // the route files of the services this process runs (services, routes.dir)
        main.configure().addMainListener(new ServiceRoutes());
        main.run(args);
    }
}
