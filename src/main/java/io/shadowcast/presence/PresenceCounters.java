package io.shadowcast.presence;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the disconnect watch did, as Micrometer counters ({@code /q/metrics}):
 * {@code shadowcast_presence_events_total{outcome}} for incoming events and
 * {@code shadowcast_presence_checks_total{outcome,reason}} for verified checks, and two gauges of this
 * replica's last poll: {@code shadowcast_presence_due_checks} (checks due and waiting, at most one
 * poll batch) and {@code shadowcast_presence_oldest_due_age_seconds}. The gauges come from the due-index
 * query the poll makes anyway; counting every pending check would need a Scan.
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
    private final Counter gaveUp;
    private final Map<Verdict.Reason, Counter> notified = new EnumMap<>(Verdict.Reason.class);
    private final Map<Verdict.Reason, Counter> suppressed = new EnumMap<>(Verdict.Reason.class);
    private final AtomicLong dueChecks = new AtomicLong();
    private final AtomicLong oldestDueAgeMillis = new AtomicLong();

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
        gaveUp = check(registry, "gave_up", "none");
        for (Verdict.Reason reason : Verdict.Reason.values()) {
            notified.put(reason, check(registry, "notified", reason.name().toLowerCase()));
            suppressed.put(reason, check(registry, "suppressed", reason.name().toLowerCase()));
        }
        Gauge.builder("shadowcast.presence.due.checks", dueChecks, AtomicLong::get)
                .description("Checks due and not yet verified when this replica's last poll began (at most one batch)")
                .register(registry);
        Gauge.builder("shadowcast.presence.oldest.due.age", oldestDueAgeMillis, millis -> millis.get() / 1000.0)
                .baseUnit("seconds")
                .description("How long the most overdue check seen by this replica's last poll had been due")
                .register(registry);
    }

    /** The first due-index answer of a poll: the backlog it found (empty: none). */
    void dueSeen(List<PendingCheck> due, Instant now) {
        dueChecks.set(due.size());
        oldestDueAgeMillis.set(due.stream().map(PendingCheck::dueAt).min(Instant::compareTo)
                .map(oldest -> Math.max(0, Duration.between(oldest, now).toMillis())).orElse(0L));
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

    void gaveUp() {
        gaveUp.increment();
    }

    public long gaveUpCount() {
        return (long) gaveUp.count();
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
