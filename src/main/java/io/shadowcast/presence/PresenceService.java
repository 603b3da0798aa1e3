package io.shadowcast.presence;

import io.shadowcast.config.PresenceConfig;
import jakarta.enterprise.event.Event;
import jakarta.inject.Singleton;
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
    private final AlertProtocol alerts;
    private final PresenceCounters counters;
    private final PresenceConfig config;
    private final Event<DeviceDisconnected> disconnects;

    PresenceService(CheckStore store, AlertProtocol alerts, PresenceCounters counters, PresenceConfig config,
            Event<DeviceDisconnected> disconnects) {
        this.store = store;
        this.alerts = alerts;
        this.counters = counters;
        this.config = config;
        this.disconnects = disconnects;
    }

    public void apply(PresenceEvent event) {
        if (event.connected()) {
            connected(event.thingName(), event.stamp(), event.source());
        } else {
            disconnected(event.thingName(), event.stamp(), event.source(), event.reason());
        }
    }

    public CheckStore.ScheduleOutcome disconnected(String thingName, EventOrder.Stamp stamp, CheckSource source,
            Optional<String> reason) {
        CheckStore.ScheduleOutcome outcome = store.schedule(thingName, stamp, source, reason);
        counters.scheduled(outcome);
        switch (outcome) {
            case SCHEDULED, SUPERSEDED -> LOG.infof("Thing %s disconnected at %s (%s%s%s): check %s, due %s", thingName,
                    stamp.at(), source, version(stamp), reason.map(r -> ", " + r).orElse(""),
                    outcome == CheckStore.ScheduleOutcome.SCHEDULED ? "scheduled" : "replaces an older one",
                    stamp.at().plus(config.grace()));
            case STALE -> LOG.infof("Thing %s disconnected at %s (%s%s): ignored, a newer disconnect or connect is known",
                    thingName, stamp.at(), source, version(stamp));
        }
        if (outcome != CheckStore.ScheduleOutcome.STALE) {
            disconnects.fire(new DeviceDisconnected(thingName, stamp.at()));
        }
        return outcome;
    }

    private void connected(String thingName, EventOrder.Stamp stamp, CheckSource source) {
        CheckStore.ConnectOutcome outcome = store.connect(thingName, stamp);
        counters.connected(outcome);
        switch (outcome) {
            case CANCELLED -> LOG.infof("Thing %s connected at %s (%s%s): pending check cancelled", thingName,
                    stamp.at(), source, version(stamp));
            case RECORDED -> LOG.debugf("Thing %s connected at %s (%s%s): nothing pending", thingName, stamp.at(),
                    source, version(stamp));
            case STALE -> LOG.infof("Thing %s connected at %s (%s%s): ignored, a newer event is known", thingName,
                    stamp.at(), source, version(stamp));
        }
        alerts.connected(thingName, stamp.at());
    }

    private static String version(EventOrder.Stamp stamp) {
        return stamp.version().map(v -> ", version " + v).orElse("");
    }
}
