package org.orderevents.event;

/** An event that can never be processed as it is: it goes to the dead-letter topic at once, without retries. */
public class InvalidEventException extends RuntimeException {

    public InvalidEventException(String message) {
        super(message);
    }

    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
