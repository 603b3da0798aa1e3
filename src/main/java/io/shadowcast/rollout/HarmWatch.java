package io.shadowcast.rollout;

import io.shadowcast.config.RolloutConfig;
import io.shadowcast.presence.DeviceDisconnected;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Counts the updated devices of a watched wave that go offline (docs/rollout.md, "Harm watch"). Hears
 * every disconnect the disconnect watch accepts ({@link DeviceDisconnected}, on whichever replica
 * consumed it) and, for each staged rollout in a wave before its last, counts the thing as harmed when
 * that rollout wrote it in that wave and the disconnect happened within {@code harm.window} after the
 * write. Each (rollout, thing) is counted once, by a conditional write, however many replicas see its
 * disconnects. The gate ({@link WaveGate}) decides what the count means.
 *
 * <p>The rollouts to look at come from the rollout table (one item lists them), read at most every
 * {@code harm.cache-for}, so a disconnect costs no table read while nothing is watched beyond that.
 */
@ApplicationScoped
class HarmWatch {

    private static final Logger LOG = Logger.getLogger(HarmWatch.class);

    /** A rollout in a watched wave. */
    private record Watched(String id, int wave) {
    }

    private record Snapshot(List<Watched> rollouts, long readAtNanos) {
    }

    private final RolloutStore store;
    private final DeviceLedger ledger;
    private final Duration window;
    private final Duration cacheFor;
    private volatile Snapshot snapshot;

    HarmWatch(RolloutStore store, DeviceLedger ledger, RolloutConfig config) {
        this.store = store;
        this.ledger = ledger;
        this.window = config.harm().window();
        this.cacheFor = config.harm().cacheFor();
    }

    void onDisconnect(@Observes DeviceDisconnected disconnect) {
        try {
            for (Watched rollout : watched()) {
                Optional<DeviceLedger.Written> written = ledger.written(rollout.id(), disconnect.thing());
                if (written.isPresent() && written.get().wave() == rollout.wave()
                        && within(written.get().at(), disconnect.at())
                        && store.countHarm(rollout.id(), rollout.wave(), disconnect.thing())) {
                    LOG.infof("Rollout %s: thing %s of wave %d disconnected at %s, %s after its update: counted as harmed",
                            rollout.id(), disconnect.thing(), rollout.wave() + 1, disconnect.at(),
                            Duration.between(written.get().at(), disconnect.at()));
                }
            }
        } catch (RuntimeException e) {
            // the disconnect watch goes on whatever happens here; a missed count can only delay a pause
            LOG.warnf(e, "Harm watch: the disconnect of %s at %s could not be checked against the watched rollouts",
                    disconnect.thing(), disconnect.at());
        }
    }

    private boolean within(Instant writtenAt, Instant disconnectedAt) {
        return !disconnectedAt.isBefore(writtenAt) && !disconnectedAt.isAfter(writtenAt.plus(window));
    }

    private List<Watched> watched() {
        Snapshot current = snapshot;
        if (current != null && System.nanoTime() - current.readAtNanos() < cacheFor.toNanos()) {
            return current.rollouts();
        }
        List<Watched> rollouts = new ArrayList<>();
        for (String id : store.watched()) {
            Optional<RolloutRecord> record = store.get(id);
            if (record.isEmpty() || record.get().status().isFinal()) {
                // its worker ended without taking it off the list (it crashed, and the rollout was cancelled meanwhile)
                store.unwatch(id);
            } else if (record.get().status() == RolloutStatus.RUNNING && record.get().plan() != null
                    && !record.get().plan().isLast(record.get().wave())) {
                rollouts.add(new Watched(id, record.get().wave()));
            }
        }
        snapshot = new Snapshot(List.copyOf(rollouts), System.nanoTime());
        return snapshot.rollouts();
    }
}
