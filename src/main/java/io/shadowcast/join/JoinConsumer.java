package io.shadowcast.join;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.shadowcast.config.JoinConfig;
import io.shadowcast.sqs.SqsConsumers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Consumes the join queue (registry events forwarded by the IoT rules) through the shared SQS loop.
 * A message is deleted once its thing holds the right document or needs none; a failed write leaves
 * it on the queue, and an unreadable message is poison for the redrive policy.
 */
@ApplicationScoped
public class JoinConsumer {

    private static final Logger LOG = Logger.getLogger(JoinConsumer.class);

    private final SqsConsumers consumers;
    private final JoinConfig config;
    private final JoinWriter joins;
    private final RegistryEventParser parser;

    JoinConsumer(SqsConsumers consumers, JoinConfig config, JoinWriter joins, ObjectMapper json) {
        this.consumers = consumers;
        this.config = config;
        this.joins = joins;
        this.parser = new RegistryEventParser(json);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            consumers.start("join", config.queue(), config.concurrency(), this::handle);
        } else {
            LOG.info("Join consumer off (shadowcast.join.enabled=false)");
        }
    }

    void handle(Message message) throws InterruptedException {
        RegistryEvent event = parser.parse(message.body());
        if (event instanceof RegistryEvent.Ignored ignored) {
            LOG.debugf("Message %s: %s: nothing joins", message.messageId(), ignored.what());
            return;
        }
        RegistryEvent.Joined joining = (RegistryEvent.Joined) event;
        JoinWriter.Joined joined = joins.join(joining.thing());
        switch (joined.outcome()) {
            case WRITTEN -> LOG.infof("Message %s: thing %s %s: wrote the object of rollout %s", message.messageId(),
                    joined.thing(), joining.what(), joined.rolloutId());
            case ALREADY_HELD -> LOG.infof("Message %s: thing %s %s: already holds the object of rollout %s",
                    message.messageId(), joined.thing(), joining.what(), joined.rolloutId());
            case NEWER_HELD -> LOG.infof("Message %s: thing %s %s: holds the newer object of rollout %s, kept",
                    message.messageId(), joined.thing(), joining.what(), joined.rolloutId());
            case NOT_TARGETED -> LOG.infof("Message %s: thing %s %s: no running or finished rollout targets it",
                    message.messageId(), joined.thing(), joining.what());
            case GONE -> LOG.infof("Message %s: thing %s %s: no longer exists", message.messageId(), joined.thing(),
                    joining.what());
        }
    }
}
