package org.orderevents;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Chooses the route files camel-main loads: those packaged on the classpath under {@code routes/}, or those of the folder
 * {@code routes.dir} when it is set (development, with reload), less the files of the services this process does not
 * run ({@code services}). Runs before camel-main applies {@code camel.main.*}, so an explicit
 * {@code camel.main.routes-include-pattern} still wins.
 */
public class ServiceRoutes extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceRoutes.class);

    private final Function<String, Optional<String>> settings;

    /** Reads {@code services} and {@code routes.dir} from the application's properties. */
    public ServiceRoutes() {
        this(null);
    }

    /** Reads them with {@code settings} instead (camel-test-main's Main has no context of its own at this point). */
    public ServiceRoutes(Function<String, Optional<String>> settings) {
        this.settings = settings;
    }

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        Function<String, Optional<String>> lookup = settings != null ? settings
                : main.getCamelContext().getPropertiesComponent()::resolveProperty;
        Services services = Services.parse(lookup.apply("services").orElse(""));
        String dir = lookup.apply("routes.dir").orElse("").trim();
        apply(main.configure(), services, dir);
        LOG.info("Services of this process: {}; route files from {}", services, dir.isEmpty() ? "the classpath (routes/)" : dir);
    }

    static void apply(MainConfigurationProperties configuration, Services services, String dir) {
        String location = dir.isEmpty() ? "classpath:routes" : "file:" + dir;
        configuration.setRoutesIncludePattern(location + "/*.camel.yaml");
        String excluded = services.excludedRouteFiles().stream()
                .map(file -> "**/" + file + ".camel.yaml").collect(Collectors.joining(","));
        // matched against each found file's location, whose form depends on where it was found (classpath, jar, folder)
        configuration.setRoutesExcludePattern(excluded.isEmpty() ? null : excluded);
        if (!dir.isEmpty()) {
            configuration.setRoutesReloadDirectory(dir);
        }
    }
}
