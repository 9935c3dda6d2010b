package org.orderevents;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.Test;
import org.orderevents.event.Schemas;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application serves the repository's schemas byte for byte, a producer that takes them from there gets the same
 * verdict as the API, and the API's 400 names the field as the document's check does.
 */
class SchemasApiTest extends OrderEventsTestSupport {

    @Test
    void servesEveryDocumentAsTheRepositoryHoldsItAndAnIndex() throws Exception {
        HttpResponse<String> index = http("GET", "/schemas", null);
        assertThat(index.statusCode()).isEqualTo(200);
        JsonNode documents = json(index.body()).get("documents");
        assertThat(json(index.body()).get("version").asText()).isEqualTo("v1");
        assertThat(documents.size()).isEqualTo(Schemas.DOCUMENTS.size());
        for (String name : Schemas.DOCUMENTS) {
            String path = documents.get(name).get("path").asText();
            HttpResponse<String> document = http("GET", path, null);
            assertThat(document.statusCode()).as(path).isEqualTo(200);
            assertThat(document.headers().firstValue("Content-Type")).hasValue("application/schema+json");
            assertThat(document.body()).as(path).isEqualTo(Files.readString(Path.of("schemas", "v1", name + ".json"), StandardCharsets.UTF_8));
            assertThat(json(document.body()).get("$id").asText()).isEqualTo(documents.get(name).get("id").asText());
        }
        HttpResponse<String> missing = http("GET", "/schemas/v1/order.deleted.json", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing.body()).get("detail").asText()).contains("GET /schemas");
        assertThat(http("GET", "/schemas/v0/order.created.json", null).statusCode()).isEqualTo(404);
    }

    @Test
    void aProducerValidatingWithTheServedDocumentsGetsTheVerdictOfTheApi() throws Exception {
        // a client's own validator, with the documents it took from this application by the index, keyed by their $id
        java.util.Map<String, String> served = new java.util.HashMap<>();
        JsonNode documents = json(http("GET", "/schemas", null).body()).get("documents");
        documents.fields().forEachRemaining(d -> {
            try {
                served.put(d.getValue().get("id").asText(), http("GET", d.getValue().get("path").asText(), null).body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        SchemaRegistry client = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder.schemas(served));
        Schema createOrder = client.getSchema(SchemaLocation.of(documents.get("create-order.request").get("id").asText()));
        List<String> bodies = List.of(
                OrderRequest.of("user_1").item("mug", 2, "9.5").json(),
                "{\"user_id\":\"user_1\",\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":0,\"price\":1}]}",
                "{\"user_id\":\"\",\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":1,\"price\":1}]}",
                "{\"user_id\":\"user_1\",\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":1,\"price\":-0.5}]}",
                "{\"user_id\":\"user_1\",\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":1}]}",
                "{\"user_id\":\"user_1\",\"items\":[]}",
                "{\"user_id\":\"user_1\",\"items\":[{\"product_id\":\"mug\",\"name\":\"m\",\"quantity\":1,\"price\":1}],\"note\":\"extra fields are ignored\"}");
        for (String body : bodies) {
            List<Error> errors = createOrder.validate(json(body));
            HttpResponse<String> answer = http("POST", "/orders", body);
            if (errors.isEmpty()) {
                assertThat(answer.statusCode()).as(body).isEqualTo(201);
            } else {
                assertThat(answer.statusCode()).as(body).isEqualTo(400);
                String field = json(answer.body()).get("field").asText();
                // the client's JSON Pointer of the failure: the field the API names, or for a missing one its parent
                String pointer = errors.get(0).getInstanceLocation().toString();
                String fieldPointer = "/" + field.replace("[", "/").replace("]", "").replace('.', '/');
                assertThat(pointer).as(body).isIn(fieldPointer, fieldPointer.substring(0, fieldPointer.lastIndexOf('/')));
            }
        }
    }
}
