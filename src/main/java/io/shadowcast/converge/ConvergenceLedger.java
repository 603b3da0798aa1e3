package io.shadowcast.converge;

import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.rollout.DeviceLedger;
import io.shadowcast.rollout.RolloutStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The {@link DeviceLedger} on the ledger table: records the things a rollout writes, moves them as their
 * devices report (or stay silent past the confirm timeout), and sums the counts.
 */
@ApplicationScoped
public class ConvergenceLedger implements DeviceLedger {

    private static final Logger LOG = Logger.getLogger(ConvergenceLedger.class);
    /** Rollouts whose object is remembered here, for matching reports; a rollout's hash and url never change. */
    private static final int REMEMBERED_OBJECTS = 1_000;
    /** Reads of a thing whose last move is being counted, before its report is left for a redelivery. */
    private static final int BUSY_ATTEMPTS = 10;

    private final LedgerStore store;
    private final RolloutStore rollouts;
    private final Clock clock;
    private final Duration confirmTimeout;
    private final ConvergeMetrics metrics;
    private final Map<String, RolloutObject> objects = new ConcurrentHashMap<>();

    ConvergenceLedger(LedgerStore store, RolloutStore rollouts, Clock clock, ConvergeConfig config,
            ConvergeMetrics metrics) {
        this.store = store;
        this.rollouts = rollouts;
        this.clock = clock;
        this.confirmTimeout = config.confirmTimeout();
        this.metrics = metrics;
    }

    /** The object a rollout wrote, which its devices report back. */
    private record RolloutObject(String hash, String url) {
    }

    /** What happened to one rollout's thing when a report came. */
    public record Counted(ThingItem before, ThingStatus now, boolean moved) {
    }

    @Override
    public CompletionStage<Void> willWrite(String rolloutId, int wave, List<String> page,
            Predicate<String> mayBeRecorded) {
        if (page.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        // a recursive thing-group listing may name a thing twice; a batch call refuses a key twice
        List<String> things = page.stream().distinct().toList();
        // the consistent read costs the table about as much as the write: skipped for things never recorded
        List<String> lookUp = things.stream().filter(mayBeRecorded).toList();
        Map<String, LedgerStore.Recorded> recorded = lookUp.isEmpty() ? Map.of() : store.recorded(rolloutId, lookUp);
        List<String> fresh = things.stream().filter(thing -> !recorded.containsKey(thing)).toList();
        Instant now = clock.instant();
        List<CompletableFuture<Void>> counts = new ArrayList<>();
        if (!fresh.isEmpty()) {
            counts.add(store.recordWritten(rolloutId, wave, fresh, now, now.plus(confirmTimeout)));
        }
        if (!recorded.isEmpty()) {
            // a repeated page: its things keep what their devices reported; a recording cut short by a
            // crash before its count is counted now (once: the count goes by the recording's token)
            recorded.values().stream().collect(Collectors.groupingBy(r -> r, Collectors.counting()))
                    .forEach((recording, count) -> counts.add(
                            store.countPage(rolloutId, recording.wave(), recording.page(), count, now)));
            LOG.debugf("Rollout %s: %d of %d things of the page were recorded before, kept as they are", rolloutId,
                    recorded.size(), things.size());
        }
        return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new));
    }

    @Override
    public void notWritten(String rolloutId, String thing) {
        Optional<ThingItem> item = store.get(rolloutId, thing);
        if (item.isPresent() && moveTo(item.get(), ThingStatus.NOT_WRITTEN, null).moved()) {
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
        List<ThingItem> items = withObjects(store.rolloutsOf(report.thingName()));
        List<ThingItem> matching = ReportMatch.matching(report, items);
        for (ThingItem item : matching) {
            counted.add(moveTo(item, target, report.error()));
        }
        for (ThingItem item : ReportMatch.superseded(report, items, matching)) {
            counted.add(moveTo(item, ThingStatus.SUPERSEDED, null));
        }
        return counted;
    }

    /**
     * Moves a WRITTEN thing past its confirm deadline to TIMED_OUT, unless a report came first; to
     * SUPERSEDED instead when a newer rollout wrote the thing meanwhile (its device was told to apply
     * another object, so its silence says nothing about this one).
     */
    Counted timeOut(ThingItem item) {
        boolean newerWrote = store.rolloutsOf(item.thing()).stream().anyMatch(other -> ReportMatch.newer(other, item));
        return moveTo(item, newerWrote ? ThingStatus.SUPERSEDED : ThingStatus.TIMED_OUT, null);
    }

    /**
     * One conditional move from the status read; when another move came first, reads again and decides
     * again. A move of the same thing whose count is being taken right now is waited for, briefly.
     */
    private Counted moveTo(ThingItem item, ThingStatus target, String error) {
        ThingItem current = item;
        for (int attempt = 1; ; attempt++) {
            if (current.counting() == null) {
                if (!current.status().canMoveTo(target)) {
                    return new Counted(current, current.status(), false);
                }
                if (store.move(current, target, error, clock.instant())) {
                    metrics.reached(target);
                    return new Counted(current, target, true);
                }
            } else if (attempt > BUSY_ATTEMPTS) {
                throw new IllegalStateException("thing " + current.thing() + " of rollout " + current.rolloutId()
                        + " has a move being counted; tried again later");
            } else {
                pause(attempt);
            }
            Optional<ThingItem> again = store.get(current.rolloutId(), current.thing());
            if (again.isEmpty()) {
                return new Counted(current, current.status(), false);
            }
            current = again.get();
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(20L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a count", e);
        }
    }

    /**
     * The items with the object of their rollout, read from the rollout record once per rollout; an item
     * whose rollout record is gone, or was never hashed, cannot be matched to a report and is left out.
     */
    private List<ThingItem> withObjects(List<ThingItem> items) {
        List<ThingItem> known = new ArrayList<>(items.size());
        for (ThingItem item : items) {
            if (item.hash() != null) {
                known.add(item); // recorded when thing items still carried the object
                continue;
            }
            Optional<RolloutObject> object = objectOf(item.rolloutId());
            if (object.isPresent()) {
                known.add(item.withObject(object.get().hash(), object.get().url()));
            } else {
                LOG.debugf("Rollout %s of thing %s has no record with a hash; its item is not matched", item.rolloutId(),
                        item.thing());
            }
        }
        return known;
    }

    private Optional<RolloutObject> objectOf(String rolloutId) {
        RolloutObject known = objects.get(rolloutId);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<RolloutObject> read = rollouts.get(rolloutId).filter(record -> record.hash() != null)
                .map(record -> new RolloutObject(record.hash(), record.url()));
        read.ifPresent(object -> {
            if (objects.size() >= REMEMBERED_OBJECTS) {
                objects.clear();
            }
            objects.put(rolloutId, object);
        });
        return read;
    }
}
