package io.shadowcast.presence;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the disconnect watch did, as Micrometer counters ({@code /q/metrics}):
 * {@code shadowcast_presence_events_total{outcome}} for incoming events and
 * {@code shadowcast_presence_checks_total{outcome,reason}} for verified checks.
 */
@Singleton
public class PresenceCounters {

    private final Counter scheduled;
    private final Counter superseded;
    private final Counter staleDisconnect;
    private final Counter cancelled;
    private final Counter connectRecorded;
    private final Counter staleConnect;
    private final Counter recovered;
    private final Counter lostClaim;
    private final Counter alreadyAlerted;
    private final Counter failed;
    private final Map<Verdict.Reason, Counter> notified = new EnumMap<>(Verdict.Reason.class);
    private final Map<Verdict.Reason, Counter> suppressed = new EnumMap<>(Verdict.Reason.class);

    public PresenceCounters(MeterRegistry registry) {
        scheduled = event(registry, "scheduled");
        superseded = event(registry, "superseded");
        staleDisconnect = event(registry, "stale_disconnect");
        cancelled = event(registry, "cancelled");
        connectRecorded = event(registry, "connect_recorded");
        staleConnect = event(registry, "stale_connect");
        recovered = event(registry, "recovery_notice");
        lostClaim = check(registry, "lost_claim", "none");
        alreadyAlerted = check(registry, "already_alerted", "none");
        failed = check(registry, "failed", "none");
        for (Verdict.Reason reason : Verdict.Reason.values()) {
            notified.put(reason, check(registry, "notified", reason.name().toLowerCase()));
            suppressed.put(reason, check(registry, "suppressed", reason.name().toLowerCase()));
        }
    }

    void scheduled(CheckStore.ScheduleOutcome outcome) {
        switch (outcome) {
            case SCHEDULED -> scheduled.increment();
            case SUPERSEDED -> superseded.increment();
            case STALE -> staleDisconnect.increment();
        }
    }

    void connected(CheckStore.ConnectOutcome outcome) {
        switch (outcome) {
            case CANCELLED -> cancelled.increment();
            case RECORDED -> connectRecorded.increment();
            case STALE -> staleConnect.increment();
        }
    }

    void recovered() {
        recovered.increment();
    }

    void verdict(Verdict verdict) {
        (verdict.alert() ? notified : suppressed).get(verdict.reason()).increment();
    }

    void lostClaim() {
        lostClaim.increment();
    }

    void alreadyAlerted() {
        alreadyAlerted.increment();
    }

    void checkFailed() {
        failed.increment();
    }

    public long scheduled() {
        return (long) scheduled.count();
    }

    public long superseded() {
        return (long) superseded.count();
    }

    public long cancelled() {
        return (long) cancelled.count();
    }

    public long recoveries() {
        return (long) recovered.count();
    }

    public long notified() {
        return notified.values().stream().mapToLong(c -> (long) c.count()).sum();
    }

    public long suppressed(Verdict.Reason reason) {
        return (long) suppressed.get(reason).count();
    }

    private static Counter event(MeterRegistry registry, String outcome) {
        return Counter.builder("shadowcast.presence.events").description("Presence events by what they changed")
                .tag("outcome", outcome).register(registry);
    }

    private static Counter check(MeterRegistry registry, String outcome, String reason) {
        return Counter.builder("shadowcast.presence.checks").description("Due checks by verdict")
                .tag("outcome", outcome).tag("reason", reason).register(registry);
    }
}
