package org.orderevents.api;

import org.orderevents.event.Schemas;

/** GET /schemas/{version}/{file} names no published document: a 404 that lists the index. */
public class SchemaNotFoundException extends RuntimeException {

    public SchemaNotFoundException(String path) {
        super("no schema " + path + "; GET /schemas lists the documents of " + Schemas.VERSION);
    }
}
