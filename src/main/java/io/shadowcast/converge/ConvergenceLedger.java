package io.shadowcast.converge;

import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.rollout.DeviceLedger;
import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.RolloutStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The {@link DeviceLedger} on the ledger table: records the things a rollout writes, moves them as their
 * devices report (or stay silent past the confirm timeout), and sums the counts.
 */
@ApplicationScoped
public class ConvergenceLedger implements DeviceLedger {

    private static final Logger LOG = Logger.getLogger(ConvergenceLedger.class);
    /** Rollouts whose object is remembered here; a page of a running rollout always finds its own. */
    private static final int REMEMBERED_OBJECTS = 1_000;

    private final LedgerStore store;
    private final RolloutStore rollouts;
    private final Clock clock;
    private final Duration confirmTimeout;
    private final ConvergeMetrics metrics;
    private final Map<String, LedgerStore.RolloutObject> objects = new ConcurrentHashMap<>();

    ConvergenceLedger(LedgerStore store, RolloutStore rollouts, Clock clock, ConvergeConfig config,
            ConvergeMetrics metrics) {
        this.store = store;
        this.rollouts = rollouts;
        this.clock = clock;
        this.confirmTimeout = config.confirmTimeout();
        this.metrics = metrics;
    }

    /** What happened to one rollout's thing when a report came. */
    public record Counted(ThingItem before, ThingStatus now, boolean moved) {
    }

    @Override
    public void willWrite(String rolloutId, int wave, List<String> things) {
        if (things.isEmpty()) {
            return;
        }
        Set<String> already = store.recorded(rolloutId, things);
        List<String> fresh = things.stream().filter(thing -> !already.contains(thing)).toList();
        if (!fresh.isEmpty()) {
            Instant now = clock.instant();
            store.recordWritten(objectOf(rolloutId), wave, fresh, now, now.plus(confirmTimeout));
        }
        if (!already.isEmpty()) {
            LOG.debugf("Rollout %s: %d of %d things of the page were recorded before, kept as they are", rolloutId,
                    already.size(), things.size());
        }
    }

    @Override
    public void notWritten(String rolloutId, String thing) {
        Optional<ThingItem> item = store.get(rolloutId, thing);
        if (item.isPresent() && item.get().status() == ThingStatus.WRITTEN && store.forget(item.get(), clock.instant())) {
            LOG.debugf("Rollout %s: thing %s was not written after all; nothing is awaited from it", rolloutId, thing);
        }
    }

    @Override
    public Convergence convergence(String rolloutId, int wave) {
        return store.counts(rolloutId, Optional.of(wave));
    }

    @Override
    public Convergence convergence(String rolloutId) {
        return store.counts(rolloutId, Optional.empty());
    }

    @Override
    public Optional<Written> written(String rolloutId, String thing) {
        return store.get(rolloutId, thing).map(item -> new Written(item.wave(), item.writtenAt()));
    }

    /**
     * Counts a device report for the rollouts whose object it names ({@link ReportMatch}). Idempotent: a
     * thing already in the report's status, or past it, stays as it is.
     */
    public List<Counted> report(DeviceReport report) {
        ThingStatus target = ReportMatch.target(report);
        List<Counted> counted = new ArrayList<>();
        for (ThingItem item : ReportMatch.matching(report, store.rolloutsOf(report.thingName()))) {
            counted.add(moveTo(item, target, report.error()));
        }
        return counted;
    }

    /** Moves a WRITTEN thing past its confirm deadline to TIMED_OUT, unless a report came first. */
    Counted timeOut(ThingItem item) {
        return moveTo(item, ThingStatus.TIMED_OUT, null);
    }

    /** One conditional move from the status read; when another move came first, reads again and decides again. */
    private Counted moveTo(ThingItem item, ThingStatus target, String error) {
        ThingItem current = item;
        while (current.status().canMoveTo(target)) {
            if (store.move(current, target, error, clock.instant())) {
                metrics.reached(target);
                return new Counted(current, target, true);
            }
            Optional<ThingItem> again = store.get(current.rolloutId(), current.thing());
            if (again.isEmpty()) {
                return new Counted(current, current.status(), false);
            }
            current = again.get();
        }
        return new Counted(current, current.status(), false);
    }

    /** The rollout's hash and url, which every thing item carries; read once per rollout. */
    private LedgerStore.RolloutObject objectOf(String rolloutId) {
        LedgerStore.RolloutObject known = objects.get(rolloutId);
        if (known != null) {
            return known;
        }
        RolloutRecord record = rollouts.get(rolloutId)
                .orElseThrow(() -> new IllegalStateException("no rollout " + rolloutId + " to record things of"));
        if (record.hash() == null) {
            throw new IllegalStateException("rollout " + rolloutId + " has not hashed its object yet");
        }
        if (objects.size() >= REMEMBERED_OBJECTS) {
            objects.clear();
        }
        LedgerStore.RolloutObject object = new LedgerStore.RolloutObject(rolloutId, record.hash(), record.url());
        objects.put(rolloutId, object);
        return object;
    }
}
