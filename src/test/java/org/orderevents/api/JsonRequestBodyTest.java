package org.orderevents.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonRequestBodyTest {

    @Test
    void takesJsonInUtf8AndRefusesAnyOtherMediaTypeNamingTheHeader() {
        for (String json : List.of("application/json", "Application/JSON", "application/json; charset=utf-8",
                "application/json;charset=\"UTF-8\"", "application/problem+json", "application/json; version=2")) {
            assertThatCode(() -> JsonRequestBody.requireJson(json)).as(json).doesNotThrowAnyException();
        }
        List<List<String>> refused = List.of(
                List.of("text/plain", "Content-Type: must be application/json, not text/plain"),
                List.of("text/plain; charset=utf-8", "Content-Type: must be application/json, not text/plain"),
                List.of("application/x-www-form-urlencoded", "Content-Type: must be application/json, not application/x-www-form-urlencoded"),
                List.of("text/json", "Content-Type: must be application/json, not text/json"),
                List.of("application/json; charset=utf-16", "Content-Type: must be application/json in UTF-8, not charset utf-16"),
                List.of("", "Content-Type: is required: application/json"));
        for (List<String> c : refused) {
            assertThatThrownBy(() -> JsonRequestBody.requireJson(c.get(0))).as(c.get(0))
                    .isInstanceOf(UnsupportedMediaTypeException.class).hasMessage(c.get(1));
        }
    }
}
