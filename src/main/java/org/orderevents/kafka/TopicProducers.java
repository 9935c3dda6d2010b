package org.orderevents.kafka;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.service.ServiceHelper;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * camel-kafka producers, one per topic (the component's settings: acks=all, idempotence, security), to which records
 * are handed on the calling thread: records sent one after the other reach a partition in that order, and their
 * acknowledgements can be awaited together. A {@code ProducerTemplate}'s asyncSend hands each to a thread pool, which
 * reorders them.
 */
public final class TopicProducers {

    private final CamelContext context;
    private final Map<String, AsyncProducer> producers = new ConcurrentHashMap<>();

    public TopicProducers(CamelContext context) {
        this.context = context;
    }

    /** Sends the record the filler writes (key, headers, body); completes once the broker acknowledged it or failed to. */
    public CompletableFuture<Exchange> send(String topic, Consumer<Message> filler) throws Exception {
        AsyncProducer producer = producer(topic);
        Exchange exchange = producer.getEndpoint().createExchange();
        filler.accept(exchange.getMessage());
        CompletableFuture<Exchange> sent = new CompletableFuture<>();
        producer.process(exchange, doneSync -> sent.complete(exchange));
        return sent;
    }

    /** Waits for a record sent by {@link #send}; throws its failure. */
    public static void acknowledged(CompletableFuture<Exchange> sent) throws Exception {
        Exchange result = sent.get();
        if (result.getException() != null) {
            throw result.getException();
        }
    }

    private AsyncProducer producer(String topic) throws Exception {
        AsyncProducer producer = producers.get(topic);
        if (producer == null) {
            producer = context.getEndpoint("kafka:" + topic).createAsyncProducer();
            ServiceHelper.startService(producer);
            AsyncProducer raced = producers.putIfAbsent(topic, producer);
            if (raced != null) {
                ServiceHelper.stopService(producer);
                producer = raced;
            }
        }
        return producer;
    }

    public void stop() {
        ServiceHelper.stopService(producers.values());
        producers.clear();
    }
}
