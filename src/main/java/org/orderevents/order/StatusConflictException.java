package org.orderevents.order;

/** A status change the order's lifecycle does not allow from its current status: 409. */
public class StatusConflictException extends RuntimeException {

    public StatusConflictException(String orderId, String current, String requested) {
        super("order " + orderId + " is " + current + ": it cannot become " + requested
                + " (pending → confirmed | rejected; confirmed → shipped → delivered; pending | confirmed → cancelled)");
    }
}
