package org.orderevents.api;

/** An Idempotency-Key sent again with another request (another body or endpoint): 422. */
public class IdempotencyKeyReusedException extends RuntimeException {

    public IdempotencyKeyReusedException(String key) {
        super("Idempotency-Key '" + key + "' was used for another request; a retry must repeat the first request exactly");
    }
}
