package io.shadowcast.presence;

import io.shadowcast.config.PresenceConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * How a claimed check that must be alerted on becomes an alert that arrives, and how a connect closes it.
 * The steps, in order (the table in {@code docs/presence.md}):
 * <ol>
 * <li><b>begin</b>: one conditional write marks the check PUBLISHING by this claim (owner, deadline = the
 * claim's lease end, the verdict's reason). It fails when a connect was recorded first (the connect removed
 * the check), when a newer disconnect replaced it, or when the lease ran out and another replica claimed it:
 * then nothing is published, and no alert record exists that a later connect could close.</li>
 * <li><b>publish</b> to SNS, with a deduplication id derived from thing and disconnect on FIFO topics.</li>
 * <li><b>record</b> PUBLISHED ({@code alerted#<thing>}), which the recovery notice needs.</li>
 * <li><b>finish</b>: delete the check. When that fails because a connect arrived while publishing, this
 * side closes the record and sends the recovery notice: the connect wrote before it read, we wrote before
 * we read, so at least one of the two sees the other, and the conditional delete of the record lets only
 * one of them send.</li>
 * </ol>
 * A replica that dies or is stopped anywhere in between leaves the check claimed and PUBLISHING. When the
 * lease has run out another replica claims it and {@link #resume resumes}: the record says whether the
 * publish got as far as PUBLISHED; if not, it publishes again. So every alert arrives at least once,
 * twice only when a replica died between the publish and the record, and once on a FIFO topic (same
 * deduplication id). A publish that fails leaves the check PUBLISHING for the next claim, up to
 * {@code max-attempts}.
 */
@Singleton
public class AlertProtocol {

    private static final Logger LOG = Logger.getLogger(AlertProtocol.class);

    /** Who publishes, for the PUBLISHING state and the logs: host and process. */
    static final String REPLICA = ManagementFactory.getRuntimeMXBean().getName();

    /** What became of a check that was to be alerted on. */
    enum Outcome {
        /** The alert went out (or had gone out before and is now recorded). */
        PUBLISHED,
        /** This disconnect had been alerted on already: nothing sent. */
        ALREADY_ALERTED,
        /** A connect or a newer event came first, or another replica holds the check now: nothing sent. */
        OVERTAKEN
    }

    private final CheckStore store;
    private final Notifier notifier;
    private final PresenceCounters counters;
    private final Clock clock;
    private final boolean recoveryNotice;

    @Inject
    AlertProtocol(CheckStore store, Notifier notifier, PresenceCounters counters, Clock clock, PresenceConfig config) {
        this(store, notifier, counters, clock, config.recoveryNotice());
    }

    public AlertProtocol(CheckStore store, Notifier notifier, PresenceCounters counters, Clock clock,
            boolean recoveryNotice) {
        this.store = store;
        this.notifier = notifier;
        this.counters = counters;
        this.clock = clock;
        this.recoveryNotice = recoveryNotice;
    }

    /** Steps 1 to 4 for a check this replica claimed and verified. */
    Outcome alert(PendingCheck check, Verdict verdict) {
        if (!store.beginAlert(check, REPLICA, verdict.reason())) {
            LOG.infof("Thing %s disconnected at %s: no alert, a connect or a newer event was recorded first "
                    + "(or the claim passed to another replica)", check.thingName(), check.disconnectedAt());
            return Outcome.OVERTAKEN;
        }
        CrashPoint.reach(CrashPoint.BEFORE_PUBLISH);
        publish(check, verdict);
        return Outcome.PUBLISHED;
    }

    /**
     * A check claimed in state PUBLISHING: a replica began its alert and did not finish (it died, was
     * stopped, or the publish failed). Finishes from where the record says it stopped.
     */
    Outcome resume(PendingCheck check) {
        PendingCheck.Publishing began = check.alert().orElseThrow();
        if (store.isPublished(check)) {
            LOG.infof("Thing %s disconnected at %s: alert published before by %s; finishing", check.thingName(),
                    check.disconnectedAt(), began.owner());
            counters.alreadyAlerted();
            finish(check);
            return Outcome.ALREADY_ALERTED;
        }
        Verdict verdict = new Verdict(true, began.reason());
        if (!store.beginAlert(check, REPLICA, verdict.reason())) {
            return Outcome.OVERTAKEN;
        }
        LOG.infof("Thing %s disconnected at %s: resuming the alert that %s began (claim %d)", check.thingName(),
                check.disconnectedAt(), began.owner(), began.claim());
        publish(check, verdict);
        return Outcome.PUBLISHED;
    }

    private void publish(PendingCheck check, Verdict verdict) {
        String messageId = notifier.alert(check, verdict, clock.instant());
        CrashPoint.reach(CrashPoint.AFTER_PUBLISH);
        counters.verdict(verdict);
        LOG.infof("Thing %s disconnected since %s: alert published (%s, SNS message %s)", check.thingName(),
                check.disconnectedAt(), verdict.reason().text(), messageId);
        store.recordPublished(check, messageId);
        finish(check);
    }

    /** Step 4: the check goes only now; a connect that came meanwhile gets its recovery notice from here. */
    private void finish(PendingCheck check) {
        if (store.finish(check)) {
            return;
        }
        store.connectedAt(check.thingName()).filter(connected -> connected.isAfter(check.disconnectedAt()))
                .ifPresentOrElse(connected -> connected(check.thingName(), connected),
                        () -> LOG.infof("Thing %s: a newer disconnect replaced the check while it was alerted on; "
                                + "that one stays", check.thingName()));
    }

    /**
     * The connect side: after the connect was recorded, closes the thing's PUBLISHED alert for an older
     * disconnect and sends the recovery notice, saying how long the thing was offline. Duplicate connects
     * send it once (the close is a conditional delete); a failed notice puts the record back and fails, so
     * the redelivered event sends it.
     */
    void connected(String thingName, Instant connectedAt) {
        if (!recoveryNotice) {
            return;
        }
        store.closeAlert(thingName, connectedAt).ifPresent(alert -> {
            try {
                String messageId = notifier.recovered(alert, connectedAt);
                counters.recovered();
                LOG.infof("Thing %s back online at %s after %s offline: recovery notice published (SNS message %s)",
                        thingName, connectedAt, AlertText.duration(Duration.between(alert.disconnectedAt(), connectedAt)),
                        messageId);
            } catch (RuntimeException e) {
                store.reopenAlert(alert);
                throw e;
            }
        });
    }

    /**
     * After {@code max-attempts} claims without a verdict or a finished publish: one alert saying the thing
     * could not be verified (best effort: the failure may be SNS itself), then the check is FAILED, visible in
     * {@code GET /checks} and the metrics, and not tried again.
     */
    void giveUp(PendingCheck check, int maxAttempts) {
        try {
            String messageId = notifier.unverifiable(check, maxAttempts, clock.instant());
            LOG.errorf("Thing %s disconnected at %s could not be verified in %d attempts: check FAILED, alert "
                    + "published (SNS message %s)", check.thingName(), check.disconnectedAt(), maxAttempts, messageId);
        } catch (RuntimeException e) {
            LOG.errorf("Thing %s disconnected at %s could not be verified in %d attempts: check FAILED; the alert "
                    + "saying so could not be published either: %s", check.thingName(), check.disconnectedAt(),
                    maxAttempts, e.getMessage());
        }
        counters.gaveUp();
        if (!store.markFailed(check)) {
            LOG.infof("Thing %s: a newer event replaced the failed check", check.thingName());
        }
    }
}
