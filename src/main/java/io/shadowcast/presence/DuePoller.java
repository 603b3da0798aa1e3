package io.shadowcast.presence;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.SqsConfig;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * One replica's work on due checks: find them in the {@code due} index, claim each with a lease,
 * read the shadow, decide, and suppress (delete the check) or alert through the {@link AlertProtocol}.
 * {@link #poll()} is what the schedule calls; tests and benchmarks call it directly to drive time themselves.
 *
 * <p>Several replicas may poll the same table at once: a claim is a conditional write, so each check
 * is worked on by one of them. A replica that dies holding a claim leaves the check to be due again
 * when the lease ends; a check that was PUBLISHING is then resumed by whoever claims it. Each claim is one
 * attempt: after {@code max-attempts} the check is given up (FAILED) instead of being retried for days.
 *
 * <p>On shutdown it claims nothing more and lets the verifications it started finish (their SNS calls are
 * not interrupted) within {@code shadowcast.sqs.shutdown-grace}.
 */
@Singleton
public class DuePoller implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DuePoller.class);
    private static final int FRUITLESS_ROUNDS = 3;

    /** Round size, verification parallelism, what to do when the shadow cannot tell, attempts, shutdown grace. */
    public record Settings(int batchSize, int workers, boolean notifyWhenUnverified, int maxAttempts,
            Duration shutdownGrace) {

        public Settings(int batchSize, int workers, boolean notifyWhenUnverified) {
            this(batchSize, workers, notifyWhenUnverified, 5, Duration.ofSeconds(20));
        }

        public static Settings of(PresenceConfig config, SqsConfig sqs) {
            return new Settings(config.batchSize(), config.workers(), config.notifyWhenUnverified(),
                    config.maxAttempts(), sqs.shutdownGrace());
        }

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
    private final AlertProtocol alerts;
    private final PresenceCounters counters;
    private final Settings settings;
    private final Clock clock;
    private final ExecutorService workers;
    private volatile boolean closing;
    /** System nanos of the last poll or round that completed: the readiness check's "is polling alive". */
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());

    @Inject
    DuePoller(CheckStore store, ShadowVerifier verifier, AlertProtocol alerts, PresenceCounters counters,
            PresenceConfig config, SqsConfig sqs, Clock clock) {
        this(store, verifier, alerts, counters, Settings.of(config, sqs), clock);
    }

    public DuePoller(CheckStore store, ShadowVerifier verifier, AlertProtocol alerts, PresenceCounters counters,
            Settings settings, Clock clock) {
        this.store = store;
        this.verifier = verifier;
        this.alerts = alerts;
        this.counters = counters;
        this.settings = settings;
        this.clock = clock;
        this.workers = Executors.newFixedThreadPool(Math.max(1, settings.workers()), DaemonThreads.named("presence-verify"));
    }

    /** A poller with counters and an alert protocol of its own: for tests and benchmarks that run several. */
    public static DuePoller standalone(CheckStore store, ShadowVerifier verifier, Notifier notifier, Settings settings,
            Clock clock) {
        PresenceCounters counters = new PresenceCounters(new SimpleMeterRegistry());
        return new DuePoller(store, verifier, new AlertProtocol(store, notifier, counters, clock, true), counters,
                settings, clock);
    }

    /** How long ago (system time, not the injected clock) a poll or a round of one last completed. */
    public Duration sinceProgress() {
        return Duration.ofNanos(System.nanoTime() - lastProgress.get());
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
        store.refreshShards();
        while (!closing) {
            List<PendingCheck> due = store.due(settings.batchSize());
            if (first) {
                counters.dueSeen(due, clock.instant());
                first = false;
            }
            if (due.isEmpty()) {
                lastProgress.set(System.nanoTime());
                return total;
            }
            Report round = round(due);
            lastProgress.set(System.nanoTime());
            total = total.plus(round);
            fruitless = round.claimed() == 0 ? fruitless + 1 : 0;
            if (due.size() < settings.batchSize() || fruitless >= FRUITLESS_ROUNDS) {
                return total;
            }
        }
        return total;
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
        if (closing) {
            return Outcome.LOST; // not claimed: another replica (or the next instance) takes it
        }
        var claimed = store.claim(seen);
        if (claimed.isEmpty()) {
            counters.lostClaim();
            LOG.debugf("Check of %s (disconnected %s) was taken by another replica or replaced", seen.thingName(),
                    seen.disconnectedAt());
            return Outcome.LOST;
        }
        PendingCheck check = claimed.get();
        if (check.status() == PendingCheck.Status.FAILED) {
            store.finish(check); // kept for retention to be seen; now it goes
            return Outcome.SUPPRESSED;
        }
        if (check.claims() > settings.maxAttempts()) {
            alerts.giveUp(check, settings.maxAttempts());
            return Outcome.FAILED;
        }
        try {
            if (check.alert().isPresent()) {
                return outcome(alerts.resume(check));
            }
            Verdict verdict = Verdict.decide(check, verifier.read(check.thingName()), settings.notifyWhenUnverified());
            if (verdict.alert()) {
                return outcome(alerts.alert(check, verdict));
            }
            counters.verdict(verdict);
            LOG.infof("Thing %s disconnected at %s: no alert, %s", check.thingName(), check.disconnectedAt(),
                    verdict.reason().text());
            if (!store.finish(check)) {
                LOG.infof("Thing %s: a newer event replaced the check while it was verified; that one stays",
                        check.thingName());
            }
            return Outcome.SUPPRESSED;
        } catch (RuntimeException e) {
            counters.checkFailed();
            LOG.warnf("Check of %s (disconnected %s, attempt %d of %d) failed: %s; it is tried again after the lease",
                    check.thingName(), check.disconnectedAt(), check.claims(), settings.maxAttempts(), e.getMessage());
            return Outcome.FAILED;
        }
    }

    private static Outcome outcome(AlertProtocol.Outcome alert) {
        return switch (alert) {
            case PUBLISHED -> Outcome.NOTIFIED;
            case ALREADY_ALERTED -> Outcome.SUPPRESSED;
            case OVERTAKEN -> Outcome.LOST;
        };
    }

    /** Claims nothing more; lets started verifications (and their SNS calls) finish within the grace. */
    @Override
    public void close() {
        closing = true;
        workers.shutdown();
        try {
            if (!workers.awaitTermination(settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Presence verifications still running after %s; interrupting them (their checks are "
                        + "resumed by another replica after the lease)", settings.shutdownGrace());
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Before the clients are closed: the verifications still running need SNS and DynamoDB. */
    void onStop(@Observes ShutdownEvent event) {
        close();
    }
}
