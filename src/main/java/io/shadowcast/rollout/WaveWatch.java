package io.shadowcast.rollout;

import io.shadowcast.config.RolloutConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Watches a written wave until its gate ({@link WaveGate}) lets the next wave start or stops the
 * rollout, while the worker keeps the rollout's lease (not the shadow slot, which joins and newer
 * uploads may use meanwhile). Looks every {@code waves.check-every} at the wave's device reports and
 * harmed count, and at what else may end the watch: a cancel or pause by request, or a newer upload in
 * the slot (which supersedes this rollout before its next wave, as it would at entering).
 */
@ApplicationScoped
class WaveWatch {

    private static final Logger LOG = Logger.getLogger(WaveWatch.class);

    /** How the watch ended. */
    sealed interface Outcome {

        /** The gate decided. */
        record Decided(WaveGate.Verdict verdict) implements Outcome {
        }

        /** A newer upload entered the slot. */
        record Superseded(String by) implements Outcome {
        }

        /** Cancelled or paused by request: the record says which. */
        record Stopped(RolloutStore.Ownership why) implements Outcome {
        }
    }

    private final DeviceLedger ledger;
    private final RolloutStore store;
    private final SlotLease slots;
    private final WaveGate gate;
    private final Duration checkEvery;
    private final Clock clock = Clock.systemUTC();

    WaveWatch(DeviceLedger ledger, RolloutStore store, SlotLease slots, RolloutConfig config) {
        this.ledger = ledger;
        this.store = store;
        this.slots = slots;
        this.gate = WaveGate.of(config);
        this.checkEvery = config.waves().checkEvery();
    }

    /**
     * @param writtenAt when the wave's last page was written: its timeout counts from then, also for a
     *                  worker that resumed the watch after a crash
     */
    Outcome await(String id, WavePlan plan, int wave, Instant writtenAt, String slot, LeaseKeeper keeper,
            AtomicBoolean cancelled) throws InterruptedException {
        LOG.infof("Rollout %s: wave %d of %d written; waiting up to %s after its last write for %.0f %% of its "
                + "devices to report the object applied", id, wave + 1, plan.waveCount(), WavePlan.words(plan.timeout()),
                plan.threshold() * 100);
        while (true) {
            keeper.checkOwned();
            RolloutStore.Ownership ownership = keeper.ownership();
            if (cancelled.get()) {
                return new Outcome.Stopped(RolloutStore.Ownership.CANCELLED);
            }
            if (ownership != RolloutStore.Ownership.OWNED) {
                return new Outcome.Stopped(ownership);
            }
            Optional<String> newest = slots.newestRollout(slot);
            if (newest.isPresent() && !newest.get().equals(id)) {
                return new Outcome.Superseded(newest.get());
            }
            DeviceLedger.Convergence reports = ledger.convergence(id, wave);
            WaveGate.Verdict verdict = gate.judge(plan, wave, reports, store.harmed(id, wave),
                    Duration.between(writtenAt, clock.instant()));
            if (!(verdict instanceof WaveGate.Verdict.Wait)) {
                LOG.infof("Rollout %s: wave %d: %d written, %d applied, %d failed, %d timed out: %s", id, wave + 1,
                        reports.written(), reports.applied(), reports.failed(), reports.timedOut(), verdict);
                return new Outcome.Decided(verdict);
            }
            Thread.sleep(checkEvery.toMillis());
        }
    }
}
