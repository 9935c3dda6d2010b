package org.orderevents.api;

/** An admin request came without the admin token, or with another one: 401. */
public class UnauthorizedException extends RuntimeException {

    public UnauthorizedException() {
        super("this endpoint needs the header Authorization: Bearer <admin.token>");
    }
}
