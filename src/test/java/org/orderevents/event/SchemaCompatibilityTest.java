package org.orderevents.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compatibility rule of the published schemas (docs/schemas.md): a version keeps every document of the one before
 * it, and a document of a new version may only add optional properties or change annotations (title, description,
 * examples, $id). Every version in schemas/ is held against the one before it; the rule itself is tried on changes of
 * v1 that keep it and changes that break it.
 */
class SchemaCompatibilityTest {

    private static final Path SCHEMAS = Path.of("schemas");

    @Test
    void everyVersionKeepsTheRuleAgainstTheOneBeforeIt() throws IOException {
        List<Path> versions;
        try (Stream<Path> dirs = Files.list(SCHEMAS)) {
            versions = dirs.filter(Files::isDirectory).filter(d -> d.getFileName().toString().matches("v[0-9]+"))
                    .sorted((a, b) -> Integer.compare(number(a), number(b))).toList();
        }
        assertThat(versions).isNotEmpty();
        assertThat(versions.get(versions.size() - 1).getFileName().toString()).as("the newest version is the one the application validates with")
                .isEqualTo(Schemas.VERSION);
        for (int i = 0; i < versions.size(); i++) {
            assertThat(number(versions.get(i))).as("versions are numbered from v1 without a gap").isEqualTo(i + 1);
        }
        for (int i = 1; i < versions.size(); i++) {
            for (String name : Schemas.DOCUMENTS) {
                Path before = versions.get(i - 1).resolve(name + ".json");
                Path after = versions.get(i).resolve(name + ".json");
                if (Files.exists(before)) {
                    assertThat(after).as("a new version keeps every document").exists();
                    assertThat(breaks(read(before), read(after))).as(after.toString()).isEmpty();
                }
            }
        }
    }

    @Test
    void theRuleAllowsAnOptionalFieldAndAnnotationsAndRefusesEverythingElse() throws IOException {
        JsonNode v1 = read(SCHEMAS.resolve("v1/order.created.json"));

        ObjectNode optional = v1.deepCopy();
        data(optional).with("properties").putObject("coupon").put("$ref", "definitions.json#/$defs/text");
        optional.put("description", "now with a coupon").put("$id", Schemas.ID_PREFIX + "v2/order.created.json");
        assertThat(breaks(v1, optional)).isEmpty();

        ObjectNode required = optional.deepCopy();
        data(required).withArray("required").add("coupon");
        assertThat(breaks(v1, required)).singleElement().asString().contains("required");

        ObjectNode removed = v1.deepCopy();
        data(removed).with("properties").remove("created_at");
        assertThat(breaks(v1, removed)).singleElement().asString().contains("created_at");

        ObjectNode retyped = v1.deepCopy();
        data(retyped).with("properties").putObject("total").put("type", "string");
        assertThat(breaks(v1, retyped)).isNotEmpty();

        ObjectNode tightened = v1.deepCopy();
        tightened.with("properties").with("data").put("additionalProperties", false);
        assertThat(breaks(v1, tightened)).isNotEmpty();
    }

    /** What a new document changes that the rule does not allow; empty when it keeps the rule. */
    static List<String> breaks(JsonNode before, JsonNode after) {
        List<String> breaks = new ArrayList<>();
        compare(before, after, "", breaks);
        return breaks;
    }

    private static final List<String> ANNOTATIONS = List.of("$id", "title", "description", "examples", "$comment");

    private static void compare(JsonNode before, JsonNode after, String at, List<String> breaks) {
        if (before.isObject() && after.isObject()) {
            before.fieldNames().forEachRemaining(key -> {
                if (ANNOTATIONS.contains(key)) {
                    return;
                }
                if (!after.has(key)) {
                    breaks.add(at + "/" + key + " removed");
                } else if (key.equals("required")) {
                    if (!before.get(key).equals(after.get(key))) {
                        breaks.add(at + "/required changed from " + before.get(key) + " to " + after.get(key));
                    }
                } else {
                    compare(before.get(key), after.get(key), at + "/" + key, breaks);
                }
            });
            after.fieldNames().forEachRemaining(key -> {
                // a new property is allowed where properties are listed (optional, as required is unchanged)
                if (!before.has(key) && !ANNOTATIONS.contains(key) && !at.endsWith("/properties")) {
                    breaks.add(at + "/" + key + " added");
                }
            });
        } else if (!before.equals(after)) {
            breaks.add(at + " changed from " + before + " to " + after);
        }
    }

    private static ObjectNode data(ObjectNode schema) {
        return schema.with("properties").with("data");
    }

    private static int number(Path version) {
        return Integer.parseInt(version.getFileName().toString().substring(1));
    }

    private static JsonNode read(Path file) throws IOException {
        return Json.read(Files.readString(file));
    }
}
