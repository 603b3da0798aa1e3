package io.shadowcast.presence;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.SqsConfig;
import io.shadowcast.sqs.SqsConsumers;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Feeds the presence queue into the timer table through the shared consumer loop. A message is
 * deleted once its one conditional write is done; a malformed one is rejected (and ends in the DLQ);
 * a DynamoDB failure leaves it for redelivery, which is harmless because every write is idempotent.
 */
@Singleton
public class PresenceConsumer {

    private static final Logger LOG = Logger.getLogger(PresenceConsumer.class);

    private final SqsConsumers consumers;
    private final PresenceConfig config;
    private final SqsConfig sqs;
    private final PresenceService service;
    private final PresenceEventParser parser;

    PresenceConsumer(SqsConsumers consumers, PresenceConfig config, SqsConfig sqs, PresenceService service,
            ObjectMapper json) {
        this.consumers = consumers;
        this.config = config;
        this.sqs = sqs;
        this.service = service;
        this.parser = new PresenceEventParser(json);
    }

    /** After provisioning (priority 10) so that the queue exists in a fresh emulator. */
    void onStart(@Observes @Priority(20) StartupEvent event) {
        if (config.enabled()) {
            consumers.start("presence", config.queue(), sqs.presenceConcurrency(), this::handle);
        } else {
            LOG.info("Disconnect watch disabled (shadowcast.presence.enabled=false)");
        }
    }

    void handle(Message message) {
        PresenceEvent event = parser.parse(message.body());
        LOG.debugf("Message %s: %s", message.messageId(), event);
        service.apply(event);
    }
}
