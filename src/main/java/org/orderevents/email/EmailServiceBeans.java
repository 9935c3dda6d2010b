package org.orderevents.email;

import org.orderevents.Service;
import org.orderevents.order.OrderLifecycle;
import org.orderevents.reprocess.Reprocess;
import org.orderevents.wiring.Wiring;

/** The beans of email-service's route file. */
public final class EmailServiceBeans {

    /** Not reprocessed: its effect leaves the application (docs/reprocess.md). */
    public static final Reprocess REPROCESS =
            Reprocess.refused("it sends an e-mail per event, and would send the e-mails of every event since then again");

    private EmailServiceBeans() {
    }

    public static void bind(Wiring wiring) throws Exception {
        wiring.bind("lifecycleOfEmailService", new OrderLifecycle(Service.EMAIL.id(), wiring.metrics()));
        wiring.bind("orderEmails", new OrderEmails(wiring.settings().text("email.from", "orders@localhost"),
                wiring.settings().text("email.recipient-domain", "example.com")));
        EmailOutbox outbox = wiring.bind("emailOutbox", new EmailOutbox(wiring.dataSource(), wiring.context().createProducerTemplate()));
        // read at each scrape (the meter registry exists once camel-main has configured metrics, at start-up)
        wiring.context().addStartupListener((camel, alreadyStarted) -> {
            if (!alreadyStarted) {
                wiring.metrics().gauge("order_events_email_outbox_size", "E-mails in the outbox not sent yet", outbox::size);
            }
        });
    }
}
