package org.orderevents.wiring;

/** Binds the beans of one service's route files ({@link org.orderevents.Service}). */
@FunctionalInterface
public interface ServiceBeans {

    void bind(Wiring wiring) throws Exception;
}
