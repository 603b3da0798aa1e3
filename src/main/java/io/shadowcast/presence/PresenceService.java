package io.shadowcast.presence;

import io.shadowcast.config.PresenceConfig;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Applies connectivity events to the timer table: a disconnect schedules a check, a connect cancels
 * an older one and, when the thing had been alerted on, sends the recovery notice. The queue consumer
 * and {@code POST /checks} both come through here.
 */
@Singleton
public class PresenceService {

    private static final Logger LOG = Logger.getLogger(PresenceService.class);

    private final CheckStore store;
    private final Notifier notifier;
    private final PresenceCounters counters;
    private final PresenceConfig config;

    PresenceService(CheckStore store, Notifier notifier, PresenceCounters counters, PresenceConfig config) {
        this.store = store;
        this.notifier = notifier;
        this.counters = counters;
        this.config = config;
    }

    public void apply(PresenceEvent event) {
        if (event.connected()) {
            connected(event.thingName(), event.at(), event.source());
        } else {
            disconnected(event.thingName(), event.at(), event.source(), event.reason());
        }
    }

    public CheckStore.ScheduleOutcome disconnected(String thingName, Instant at, CheckSource source,
            Optional<String> reason) {
        CheckStore.ScheduleOutcome outcome = store.schedule(thingName, at, source, reason);
        counters.scheduled(outcome);
        switch (outcome) {
            case SCHEDULED, SUPERSEDED -> LOG.infof("Thing %s disconnected at %s (%s%s): check %s, due %s", thingName,
                    at, source, reason.map(r -> ", " + r).orElse(""),
                    outcome == CheckStore.ScheduleOutcome.SCHEDULED ? "scheduled" : "replaces an older one",
                    at.plus(config.grace()));
            case STALE -> LOG.infof("Thing %s disconnected at %s (%s): ignored, a newer disconnect or connect is known",
                    thingName, at, source);
        }
        return outcome;
    }

    private void connected(String thingName, Instant at, CheckSource source) {
        CheckStore.ConnectOutcome outcome = store.connect(thingName, at);
        counters.connected(outcome);
        switch (outcome) {
            case CANCELLED -> LOG.infof("Thing %s connected at %s (%s): pending check cancelled", thingName, at, source);
            case RECORDED -> LOG.debugf("Thing %s connected at %s (%s): nothing pending", thingName, at, source);
            case STALE -> LOG.infof("Thing %s connected at %s (%s): ignored, a newer event is known", thingName, at,
                    source);
        }
        if (config.recoveryNotice()) {
            store.closeAlert(thingName, at).ifPresent(alert -> recover(alert, at));
        }
    }

    private void recover(AlertRecord alert, Instant connectedAt) {
        try {
            String messageId = notifier.recovered(alert, connectedAt);
            counters.recovered();
            LOG.infof("Thing %s back online at %s after %s: recovery notice published (SNS message %s)",
                    alert.thingName(), connectedAt,
                    AlertText.duration(Duration.between(alert.disconnectedAt(), connectedAt)), messageId);
        } catch (RuntimeException e) {
            // Put the alert back so that the redelivered event sends the notice.
            store.reopenAlert(alert);
            throw e;
        }
    }
}
