package org.orderevents.event;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every example event and request in the README, the docs and the contract (../shared/CONTRACT.md, when it lies beside
 * the repository) validates against its schema, and an example shown answered 400 fails with the detail it shows.
 */
class DocumentedExamplesTest {

    private static final Pattern CURL_BODY = Pattern.compile("curl .*?localhost:8080(/\\S*?)['\\s].*?-d '(\\{.*?})'");
    private static final Pattern DETAIL = Pattern.compile("\"detail\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Test
    void everyExampleValidatesAgainstItsSchema() throws IOException {
        Map<String, Integer> checked = new TreeMap<>();
        List<String> sketches = new ArrayList<>();
        for (Path file : documents()) {
            List<String> lines = Files.readAllLines(file);
            List<Block> blocks = blocks(lines);
            for (Block block : blocks) {
                String where = file + ":" + block.line;
                if (block.language.equals("json")) {
                    JsonNode json;
                    try {
                        json = Json.read(block.text);
                    } catch (IOException e) {
                        // an outline with … in place of values (the contract's envelope), or an answer cut short
                        assertThat(!block.text.contains("\"event_type\"") || block.text.contains("…"))
                                .as(where + " is an event that is neither JSON nor an outline").isTrue();
                        sketches.add(where);
                        continue;
                    }
                    String schema = schemaOf(json);
                    if (schema != null) {
                        assertThatCode(() -> Schemas.validate(schema, json)).as(where).doesNotThrowAnyException();
                        checked.merge(schema, 1, Integer::sum);
                    }
                } else {
                    curls(block, where, checked);
                }
            }
        }
        System.out.println("DocumentedExamplesTest: examples checked per schema " + checked + "; outlines left out " + sketches);
        assertThat(checked.keySet()).as("an example of every event and request somewhere in the docs")
                .containsAll(Schemas.DOCUMENTS.stream().filter(d -> !d.equals("definitions") && !d.equals("envelope")).toList());
    }

    /** Each curl that sends a body: valid, or, when the block shows a 400, refused with the detail it shows. */
    private static void curls(Block block, String where, Map<String, Integer> checked) throws IOException {
        String joined = block.text.replace("\\\n", " ");
        Matcher curl = CURL_BODY.matcher(joined);
        while (curl.find()) {
            String path = curl.group(1);
            String schema = path.equals("/orders") ? Schemas.CREATE_ORDER
                    : path.matches("/orders/[^/]+/status") ? Schemas.STATUS_CHANGE
                    : path.equals("/dlq/replay") ? Schemas.DLQ_REPLAY
                    : path.equals("/admin/reprocess") ? Schemas.REPROCESS : null;
            assertThat(schema).as(where + ": a body sent to " + path).isNotNull();
            JsonNode body = Json.read(curl.group(2));
            String after = joined.substring(curl.end());
            int next = after.indexOf("curl ");
            String answer = next < 0 ? after : after.substring(0, next);
            if (answer.contains("HTTP/1.1 400")) {
                Matcher detail = DETAIL.matcher(answer);
                assertThat(detail.find()).as(where + " shows a 400 without its detail").isTrue();
                assertThatThrownBy(() -> Schemas.validate(schema, body)).as(where).hasMessage(detail.group(1));
            } else {
                assertThatCode(() -> Schemas.validate(schema, body)).as(where).doesNotThrowAnyException();
            }
            checked.merge(schema, 1, Integer::sum);
        }
    }

    private static String schemaOf(JsonNode json) {
        if (json.has("event_type")) {
            return Schemas.forEventType(json.get("event_type").asText());
        }
        if (json.has("items") && json.has("user_id")) {
            return Schemas.CREATE_ORDER;
        }
        if (json.has("status")) {
            return Schemas.STATUS_CHANGE;
        }
        return json.has("topic") ? Schemas.DLQ_REPLAY : null;
    }

    private record Block(String language, int line, String text) {
    }

    /** The fenced code blocks of a Markdown file, with their language and first line. */
    private static List<Block> blocks(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.startsWith("```") && line.length() > 3) {
                StringBuilder text = new StringBuilder();
                int start = i + 1;
                while (++i < lines.size() && !lines.get(i).trim().startsWith("```")) {
                    text.append(lines.get(i)).append('\n');
                }
                blocks.add(new Block(line.substring(3).trim(), start, text.toString()));
            }
        }
        return blocks;
    }

    private static List<Path> documents() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        Path contract = Path.of("..", "shared", "CONTRACT.md");
        if (Files.exists(contract)) {
            files.add(contract);
        } else {
            System.out.println("DocumentedExamplesTest: no ../shared/CONTRACT.md beside the repository, its examples not checked");
        }
        return files;
    }
}
