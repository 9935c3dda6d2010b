package org.orderevents.event;

import java.math.BigDecimal;

public record OrderItem(String productId, String name, int quantity, BigDecimal price) {

    public BigDecimal lineTotal() {
        return price.multiply(BigDecimal.valueOf(quantity));
    }
}
