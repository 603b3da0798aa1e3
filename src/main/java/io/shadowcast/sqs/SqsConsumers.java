package io.shadowcast.sqs;

import io.quarkus.runtime.ShutdownEvent;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.config.SqsConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Starts consumer loops for the features and stops them all, in order, when the application shuts down. */
@ApplicationScoped
public class SqsConsumers {

    private final SqsClient sqs;
    private final QueueUrls queueUrls;
    private final SqsConfig config;
    private final List<SqsConsumer> consumers = new CopyOnWriteArrayList<>();

    SqsConsumers(SqsClient sqs, QueueUrls queueUrls, SqsConfig config) {
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
        return consumer.start();
    }

    public List<SqsConsumer> all() {
        return List.copyOf(consumers);
    }

    void stopAll(@Observes ShutdownEvent event) {
        consumers.parallelStream().forEach(consumer -> consumer.close(shutdownGrace()));
        consumers.clear();
    }

    private Duration shutdownGrace() {
        return config.shutdownGrace();
    }
}
