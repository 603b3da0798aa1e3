package io.shadowcast.converge;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.config.ConvergeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Every {@code sweep-every}, moves the written things whose device reported nothing within the confirm
 * timeout to TIMED_OUT, and finishes the counts of moves cut short by a crash. It reads the sparse
 * {@code due} index shard by shard (never a Scan); every replica sweeps, and the conditional writes let
 * only one of them count a thing.
 */
@ApplicationScoped
public class TimeoutSweep {

    private static final Logger LOG = Logger.getLogger(TimeoutSweep.class);
    private static final int PAGE = 100;

    private final ConvergeConfig config;
    private final LedgerStore store;
    private final ConvergenceLedger ledger;
    private final Clock clock;
    private ScheduledExecutorService timer;

    TimeoutSweep(ConvergeConfig config, LedgerStore store, ConvergenceLedger ledger, Clock clock) {
        this.config = config;
        this.store = store;
        this.ledger = ledger;
        this.clock = clock;
    }

    void onStart(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("confirm-timeout-sweep"));
        long millis = config.sweepEvery().toMillis();
        timer.scheduleWithFixedDelay(this::sweepSafely, millis, millis, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            if (timer.isShutdown()) {
                return; // stopped mid-sweep by the shutdown; another replica or the next start goes on
            }
            LOG.warnf("Confirm timeout sweep failed, tried again in %s: %s", config.sweepEvery(), e.toString());
        }
    }

    /** Times out every overdue thing now; returns how many this replica moved. */
    int sweep() {
        Map<String, Map<ThingStatus, Integer>> ended = new TreeMap<>();
        for (int shard = 0; shard < LedgerStore.SHARDS; shard++) {
            List<ThingItem> overdue;
            int moved;
            do {
                overdue = store.due(shard, clock.instant(), PAGE);
                moved = 0;
                for (ThingItem item : overdue) {
                    if (item.counting() != null) {
                        store.finishCounting(item, clock.instant());
                        LOG.infof("Rollout %s: finished counting the move of %s (%s -> %s), cut short before",
                                item.rolloutId(), item.thing(), item.counting().from(), item.counting().to());
                        moved++;
                    } else {
                        ConvergenceLedger.Counted counted = ledger.timeOut(item);
                        if (counted.moved()) {
                            ended.computeIfAbsent(item.rolloutId(), rollout -> new EnumMap<>(ThingStatus.class))
                                    .merge(counted.now(), 1, Integer::sum);
                            moved++;
                        }
                    }
                }
                // a full page that moved nothing is the index lagging behind reports: the next sweep sees it
            } while (overdue.size() == PAGE && moved > 0 && !Thread.currentThread().isInterrupted());
        }
        ended.forEach((rollout, counts) -> LOG.infof(
                "Rollout %s: no device report within %s of the write: %d things timed out, %d superseded by a newer rollout",
                rollout, config.confirmTimeout(), counts.getOrDefault(ThingStatus.TIMED_OUT, 0),
                counts.getOrDefault(ThingStatus.SUPERSEDED, 0)));
        return ended.values().stream().flatMap(counts -> counts.values().stream()).mapToInt(Integer::intValue).sum();
    }
}
