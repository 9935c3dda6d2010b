package org.orderevents.reprocess;

/** A reprocess that cannot be run as asked (409): the service's effects, the dates, or a run already under way. */
public class ReprocessRefusedException extends RuntimeException {

    public ReprocessRefusedException(String message) {
        super(message + "; nothing was reprocessed");
    }
}
