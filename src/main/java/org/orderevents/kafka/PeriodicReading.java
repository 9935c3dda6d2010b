package org.orderevents.kafka;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.support.service.ServiceSupport;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A reading taken on a timer of its own (consumer lag, parked events), first as soon as the context has fully started:
 * the routes, whose groups it reads, and the meter registry of its gauges are there by then. Register it as a service
 * and as a startup listener.
 */
public abstract class PeriodicReading extends ServiceSupport implements StartupListener {

    private final CamelContext context;
    private final String name;
    private final long intervalMs;
    private ScheduledExecutorService timer;
    private boolean reading;

    protected PeriodicReading(CamelContext context, String name, long intervalMs) {
        this.context = context;
        this.name = name;
        this.intervalMs = intervalMs;
    }

    /** Takes one reading; called on the timer's thread. */
    protected abstract void read();

    protected CamelContext context() {
        return context;
    }

    @Override
    protected void doStart() {
        timer = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, name);
    }

    @Override
    public void onCamelContextStarted(CamelContext camel, boolean alreadyStarted) {
        // the first reading waits for onCamelContextFullyStarted
    }

    @Override
    public synchronized void onCamelContextFullyStarted(CamelContext camel, boolean alreadyStarted) {
        if (timer != null && !reading) {
            reading = true;
            timer.scheduleWithFixedDelay(this::read, 0, intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected synchronized void doStop() {
        if (timer != null) {
            context.getExecutorServiceManager().shutdownNow(timer);
            timer = null;
            reading = false;
        }
    }
}
