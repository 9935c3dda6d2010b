package org.orderevents.api;

import org.orderevents.event.InvalidFieldException;

/** A request body sent as something other than JSON in UTF-8: 415 naming the Content-Type header. */
public class UnsupportedMediaTypeException extends InvalidFieldException {

    public static final String HEADER = "Content-Type";

    public UnsupportedMediaTypeException(String problem) {
        super(HEADER, problem);
    }
}
