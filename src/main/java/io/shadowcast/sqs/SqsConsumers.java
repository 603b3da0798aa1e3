package io.shadowcast.sqs;

import io.quarkus.runtime.ShutdownEvent;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.SqsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Starts consumer loops for the features and stops them all, in order, when the application shuts down. */
@ApplicationScoped
public class SqsConsumers {

    private final SqsClient sqs;
    private final QueueUrls queueUrls;
    private final SqsConfig config;
    private final MeterRegistry registry;
    private final List<SqsConsumer> consumers = new CopyOnWriteArrayList<>();

    SqsConsumers(SqsClient sqs, QueueUrls queueUrls, SqsConfig config, MeterRegistry registry) {
        this.registry = registry;
        this.sqs = sqs;
        this.queueUrls = queueUrls;
        this.config = config;
    }

    /**
     * @param queue       a queue name or URL
     * @param concurrency how many messages of this queue are handled at the same time
     */
    public SqsConsumer start(String name, String queue, int concurrency, MessageHandler handler) {
        var consumer = new SqsConsumer(name, sqs, () -> queueUrls.urlOf(queue), handler, config, concurrency);
        consumers.add(consumer);
        bindMetrics(consumer);
        return consumer.start();
    }

    private void bindMetrics(SqsConsumer consumer) {
        ConsumerStats stats = consumer.stats();
        counter(consumer, "received", stats, ConsumerStats::received);
        counter(consumer, "deleted", stats, ConsumerStats::deleted);
        counter(consumer, "failed", stats, ConsumerStats::failed);
        counter(consumer, "rejected", stats, ConsumerStats::poison);
        counter(consumer, "sent_again", stats, ConsumerStats::sentAgain);
        FunctionCounter.builder("shadowcast.sqs.receive.errors", stats, s -> s.receiveErrors())
                .description("ReceiveMessage calls that failed").tag("consumer", consumer.name()).register(registry);
        Gauge.builder("shadowcast.sqs.in.flight", consumer, SqsConsumer::inFlight)
                .description("Messages being handled now").tag("consumer", consumer.name()).register(registry);
    }

    private void counter(SqsConsumer consumer, String outcome, ConsumerStats stats, ToDoubleFunction<ConsumerStats> value) {
        FunctionCounter.builder("shadowcast.sqs.messages", stats, value)
                .description("Messages by what happened to them").tag("consumer", consumer.name()).tag("outcome", outcome)
                .register(registry);
    }

    public List<SqsConsumer> all() {
        return List.copyOf(consumers);
    }

    void stopAll(@Observes ShutdownEvent event) {
        consumers.parallelStream().forEach(consumer -> consumer.close(config.shutdownGrace()));
        consumers.clear();
    }
}
