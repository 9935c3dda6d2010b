package org.orderevents.event;

/** A field of an event or of a request breaks the contract's rules; the message names the field. */
public class InvalidFieldException extends IllegalArgumentException {

    private final String field;
    private final String reason;

    public InvalidFieldException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.reason = problem;
    }

    public String field() {
        return field;
    }

    /** What the field must be, without its name. */
    public String reason() {
        return reason;
    }
}
