package org.orderevents;

import org.orderevents.event.Json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The body of a POST /orders, built item by item: {@code OrderRequest.of("user_1").item("mug", 2, "9.50").json()}. */
public final class OrderRequest {

    private final String userId;
    private final List<Map<String, Object>> items = new ArrayList<>();

    private OrderRequest(String userId) {
        this.userId = userId;
    }

    public static OrderRequest of(String userId) {
        return new OrderRequest(userId);
    }

    /** An item of the product (its name is the product id) at the price each. */
    public OrderRequest item(String productId, int quantity, String price) {
        return item(productId, productId, quantity, price);
    }

    /** An item of the product, with the name the e-mails show, at the price each. */
    public OrderRequest item(String productId, String name, int quantity, String price) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("product_id", productId);
        item.put("name", name);
        item.put("quantity", quantity);
        item.put("price", new BigDecimal(price));
        items.add(item);
        return this;
    }

    public String json() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_id", userId);
        body.put("items", items);
        return Json.write(body);
    }
}
