package org.orderevents.api;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.orderevents.event.Json;
import org.orderevents.event.Schemas;

import java.util.LinkedHashMap;
import java.util.Map;

/** GET /schemas and GET /schemas/{version}/{file}: the JSON Schemas the application validates with, as published. */
public class SchemaDocuments {

    /** The index: the version and, per document, its path here and its {@code $id}. */
    public void index(Exchange exchange) {
        Map<String, Object> documents = new LinkedHashMap<>();
        for (String name : Schemas.DOCUMENTS) {
            String file = Schemas.VERSION + "/" + name + ".json";
            documents.put(name, Map.of("path", "/schemas/" + file, "id", Schemas.ID_PREFIX + file));
        }
        answer(exchange.getMessage(), "application/json",
                Json.write(Map.of("version", Schemas.VERSION, "documents", documents)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** One document, byte for byte as in the repository's schemas/ folder; 404 for a name that is not one. */
    public void document(Exchange exchange) {
        Message message = exchange.getMessage();
        String version = message.getHeader("version", String.class);
        String file = message.getHeader("file", String.class);
        byte[] document = version == null || file == null ? null : Schemas.document(version, file);
        if (document == null) {
            throw new SchemaNotFoundException(version + "/" + file);
        }
        answer(message, "application/schema+json", document);
    }

    private static void answer(Message message, String contentType, byte[] body) {
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, contentType);
        message.setBody(body);
    }
}
