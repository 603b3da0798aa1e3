package io.shadowcast.presence;

import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.config.PresenceConfig;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * One replica's work on due checks: find them in the {@code due} index, claim each with a lease,
 * read the shadow, decide, publish or suppress, and delete the check. {@link #poll()} is what the
 * schedule calls; tests and benchmarks call it directly to drive time themselves.
 *
 * <p>Several replicas may poll the same table at once: a claim is a conditional write, so each check
 * is worked on by one of them. A replica that dies holding a claim leaves the check to be due again
 * when the lease ends, and the alert record written before publishing keeps a disconnect from being
 * announced twice when two replicas end up verifying the same one.
 */
@Singleton
public class DuePoller implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DuePoller.class);
    private static final int FRUITLESS_ROUNDS = 3;

    /** Round size, verification parallelism and what to do when the shadow cannot tell. */
    public record Settings(int batchSize, int workers, boolean notifyWhenUnverified) {

        public static Settings of(PresenceConfig config) {
            return new Settings(config.batchSize(), config.workers(), config.notifyWhenUnverified());
        }
    }

    /** What one poll did. {@code lost} counts due checks another replica (or a newer event) took first. */
    public record Report(int claimed, int notified, int suppressed, int lost, int failed) {

        static final Report NONE = new Report(0, 0, 0, 0, 0);

        Report plus(Report other) {
            return new Report(claimed + other.claimed, notified + other.notified, suppressed + other.suppressed,
                    lost + other.lost, failed + other.failed);
        }
    }

    private enum Outcome { NOTIFIED, SUPPRESSED, LOST, FAILED }

    private final CheckStore store;
    private final ShadowVerifier verifier;
    private final Notifier notifier;
    private final PresenceCounters counters;
    private final Settings settings;
    private final Clock clock;
    private final ExecutorService workers;

    @Inject
    DuePoller(CheckStore store, ShadowVerifier verifier, Notifier notifier, PresenceCounters counters,
            PresenceConfig config, Clock clock) {
        this(store, verifier, notifier, counters, Settings.of(config), clock);
    }

    public DuePoller(CheckStore store, ShadowVerifier verifier, Notifier notifier, PresenceCounters counters,
            Settings settings, Clock clock) {
        this.store = store;
        this.verifier = verifier;
        this.notifier = notifier;
        this.counters = counters;
        this.settings = settings;
        this.clock = clock;
        this.workers = Executors.newFixedThreadPool(Math.max(1, settings.workers()), DaemonThreads.named("presence-verify"));
    }

    /**
     * Works off every check that is due now, in rounds of {@code batchSize}. Stops when a round comes
     * back short, or after {@value #FRUITLESS_ROUNDS} rounds in a row that claimed nothing: other
     * replicas are taking the checks, or the index still shows checks already claimed (it lags behind
     * writes for a moment on DynamoDB), and a poll must not spin on those. The next poll goes on.
     */
    public Report poll() {
        Report total = Report.NONE;
        int fruitless = 0;
        boolean first = true;
        while (true) {
            List<PendingCheck> due = store.due(settings.batchSize());
            if (first) {
                counters.dueSeen(due, clock.instant());
                first = false;
            }
            if (due.isEmpty()) {
                return total;
            }
            Report round = round(due);
            total = total.plus(round);
            fruitless = round.claimed() == 0 ? fruitless + 1 : 0;
            if (due.size() < settings.batchSize() || fruitless >= FRUITLESS_ROUNDS) {
                return total;
            }
        }
    }

    private Report round(List<PendingCheck> due) {
        List<Future<Outcome>> running = new ArrayList<>(due.size());
        for (PendingCheck seen : due) {
            running.add(workers.submit(() -> handle(seen)));
        }
        int notified = 0;
        int suppressed = 0;
        int lost = 0;
        int failed = 0;
        for (Future<Outcome> future : running) {
            Outcome outcome;
            try {
                outcome = future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = Outcome.FAILED;
            } catch (ExecutionException e) {
                outcome = Outcome.FAILED;
            }
            switch (outcome) {
                case NOTIFIED -> notified++;
                case SUPPRESSED -> suppressed++;
                case LOST -> lost++;
                case FAILED -> failed++;
            }
        }
        return new Report(notified + suppressed + failed, notified, suppressed, lost, failed);
    }

    private Outcome handle(PendingCheck seen) {
        var claimed = store.claim(seen);
        if (claimed.isEmpty()) {
            counters.lostClaim();
            LOG.debugf("Check of %s (disconnected %s) was taken by another replica or replaced", seen.thingName(),
                    seen.disconnectedAt());
            return Outcome.LOST;
        }
        PendingCheck check = claimed.get();
        try {
            Verdict verdict = Verdict.decide(check, verifier.read(check.thingName()), settings.notifyWhenUnverified());
            if (verdict.alert()) {
                if (alert(check, verdict)) {
                    counters.verdict(verdict);
                }
            } else {
                counters.verdict(verdict);
                LOG.infof("Thing %s disconnected at %s: no alert, %s", check.thingName(), check.disconnectedAt(),
                        verdict.reason().text());
            }
            if (!store.finish(check)) {
                LOG.infof("Thing %s: a newer event replaced the check while it was verified; that one stays",
                        check.thingName());
            }
            return verdict.alert() ? Outcome.NOTIFIED : Outcome.SUPPRESSED;
        } catch (RuntimeException e) {
            counters.checkFailed();
            LOG.warnf("Check of %s (disconnected %s, claim %d) failed: %s; it is tried again after the lease",
                    check.thingName(), check.disconnectedAt(), check.claims(), e.getMessage());
            return Outcome.FAILED;
        }
    }

    /** Publishes the alert unless this disconnect was alerted on already; says whether it published. */
    private boolean alert(PendingCheck check, Verdict verdict) {
        if (!store.recordAlert(check)) {
            counters.alreadyAlerted();
            LOG.infof("Thing %s disconnected at %s was already alerted on; not again", check.thingName(),
                    check.disconnectedAt());
            return false;
        }
        Instant now = clock.instant();
        try {
            String messageId = notifier.alert(check, verdict, now);
            LOG.infof("Thing %s disconnected since %s: alert published (%s, SNS message %s)", check.thingName(),
                    check.disconnectedAt(), verdict.reason().text(), messageId);
            return true;
        } catch (RuntimeException e) {
            store.forgetAlert(check.thingName(), check.disconnectedAt());
            throw e;
        }
    }

    @PreDestroy
    @Override
    public void close() {
        workers.shutdownNow();
    }
}
