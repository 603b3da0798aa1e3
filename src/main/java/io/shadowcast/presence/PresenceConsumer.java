package io.shadowcast.presence;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.SqsConfig;
import io.shadowcast.sqs.PoisonMessageException;
import io.shadowcast.sqs.SqsConsumers;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Feeds the presence queue into the timer table through the shared consumer loop. A message is
 * deleted once its one conditional write is done; a malformed one, or one whose time is outside
 * {@link TimeBounds}, is rejected (and ends in the DLQ);
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
    private final TimeBounds bounds;

    PresenceConsumer(SqsConsumers consumers, PresenceConfig config, SqsConfig sqs, PresenceService service,
            ObjectMapper json, Clock clock) {
        this.consumers = consumers;
        this.config = config;
        this.sqs = sqs;
        this.service = service;
        this.parser = new PresenceEventParser(json);
        this.bounds = TimeBounds.of(config, clock);
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
        // a time outside the sane window is poison: stored, it would shadow every real event of the thing
        bounds.problem(event.at(), Optional.empty()).ifPresent(problem -> {
            throw new PoisonMessageException("field timestamp " + problem);
        });
        LOG.debugf("Message %s: %s", message.messageId(), event);
        service.apply(event);
    }
}
