package org.orderevents.routes;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "Add a route" walk-through of docs/add-a-service.md, done as a user would: on a copy of the project, each step is applied as the
 * README writes it (the {@code <!-- walkthrough: ... -->} comment before a code block says where the block goes), then
 * the new service's own test runs there with Maven. A step that no longer works fails this test.
 */
class AddRouteWalkthroughTest {

    /** A step of the walk-through; {@code walkthrough java:} marks the Java DSL's flow, done in place of the YAML file. */
    private static final Pattern STEP = Pattern.compile(
            "<!-- walkthrough( java)?: (create|append|insert into) (\\S+)(?: after: (.+?))? -->\\n```\\w*\\n(.*?)```", Pattern.DOTALL);
    private static final String YAML_FLOW = "routes/loyalty-service.camel.yaml";

    record Step(String action, String path, String anchor, String text) {
    }

    @ParameterizedTest(name = "the flow in {0}")
    @ValueSource(strings = {"YAML", "Java"})
    void theWalkthroughAddsAWorkingServiceWithItsTest(String dsl, @TempDir Path copy) throws Exception {
        Path project = Path.of("").toAbsolutePath();
        String guide = Files.readString(project.resolve("docs/add-a-service.md"));
        String section = guide.substring(guide.indexOf("## Add a route"));
        List<Step> steps = new ArrayList<>();
        Step javaFlow = null;
        Matcher matcher = STEP.matcher(section);
        while (matcher.find()) {
            Step step = new Step(matcher.group(2), matcher.group(3), matcher.group(4), matcher.group(5));
            if (matcher.group(1) == null) {
                steps.add(step);
            } else {
                javaFlow = step;
            }
        }
        assertThat(steps).as("the walk-through's steps: route, bean, table, wiring, test").hasSize(5);
        assertThat(javaFlow).as("the flow as a RouteBuilder").isNotNull();
        if (dsl.equals("Java")) {
            Step java = javaFlow;
            steps.replaceAll(step -> step.path().equals(YAML_FLOW) ? java : step);
        }

        for (String part : List.of("pom.xml", "application.properties", "routes", "schemas", "src")) {
            copyTree(project.resolve(part), copy.resolve(part));
        }
        for (Step step : steps) {
            apply(copy, step);
        }

        Path log = copy.resolve("walkthrough.log");
        Process maven = new ProcessBuilder("mvn", "-o", "-B", "-q", "test", "-Dtest=LoyaltyServiceTest")
                .directory(copy.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = maven.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            maven.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(ended && maven.exitValue() == 0).as("mvn test -Dtest=LoyaltyServiceTest in the copy:\n"
                + output.substring(Math.max(0, output.length() - 6000))).isTrue();
        String report = Files.readString(copy.resolve("target/surefire-reports/TEST-org.orderevents.LoyaltyServiceTest.xml"));
        assertThat(report).contains("tests=\"2\"").contains("failures=\"0\"").contains("errors=\"0\"").contains("skipped=\"0\"");
    }

    private static void apply(Path copy, Step step) throws IOException {
        Path file = copy.resolve(step.path());
        switch (step.action()) {
            case "create" -> {
                assertThat(file).as(step.path() + " is new").doesNotExist();
                Files.createDirectories(file.getParent());
                Files.writeString(file, step.text());
            }
            case "append" -> {
                assertThat(file).exists();
                Files.writeString(file, "\n" + step.text(), StandardOpenOption.APPEND);
            }
            default -> {
                String text = Files.readString(file);
                int at = text.indexOf(step.anchor());
                assertThat(at).as("the line '" + step.anchor() + "' in " + step.path()).isNotNegative();
                int lineEnd = text.indexOf('\n', at) + 1;
                Files.writeString(file, text.substring(0, lineEnd) + step.text() + text.substring(lineEnd), StandardCharsets.UTF_8);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
    }
}
