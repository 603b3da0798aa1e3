package io.shadowcast.rollout;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Keeps one running rollout's leases from the moment it is claimed until it ends: the record's lease
 * (so that no second worker takes the rollout over, also while a large object is still being hashed)
 * and, once it writes, its lease on the shadow slot. Runs on its own schedule, so a slow digest or a
 * slow page does not delay a renewal. What the renewals find is read by the rollout's worker through
 * cheap local checks.
 */
final class LeaseKeeper implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);

    private final String id;
    private final String owner;
    private final RolloutStore store;
    private final SlotLease slots;
    private final ScheduledFuture<?> schedule;
    private volatile RolloutStore.Ownership ownership = RolloutStore.Ownership.OWNED;
    private volatile SlotLease.Writer writer;
    private volatile String supersededBy;
    private volatile boolean slotLost;

    LeaseKeeper(String id, String owner, RolloutStore store, SlotLease slots, ScheduledExecutorService scheduler,
            Duration every) {
        this.id = id;
        this.owner = owner;
        this.store = store;
        this.slots = slots;
        this.schedule = scheduler.scheduleAtFixedRate(this::renew, every.toMillis(), every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** From now on also renews this writer's lease on the slot. */
    void writing(SlotLease.Writer writer) {
        this.writer = writer;
    }

    /** The rollout gave the slot up (between waves): its writer lease is no longer renewed. */
    void doneWriting() {
        this.writer = null;
    }

    /** What the last renewal of the record found. */
    RolloutStore.Ownership ownership() {
        return ownership;
    }

    /** The newer rollout that asked this one to stop writing, or null. */
    String supersededBy() {
        return supersededBy;
    }

    /** Renews the leases now instead of at the next tick, and returns what the record's renewal found. */
    RolloutStore.Ownership renewNow() {
        renew();
        return ownership;
    }

    /** Throws when the rollout is no longer this worker's, or it lost the slot. */
    void checkOwned() {
        if (ownership == RolloutStore.Ownership.LOST) {
            throw new RolloutStoppedException("its lease was taken over by another worker");
        }
        if (slotLost) {
            throw new RolloutStoppedException("its writer lease on the shadow slot expired and another rollout took the slot");
        }
    }

    private synchronized void renew() {
        try {
            // the slot first: its fence is the tighter deadline
            SlotLease.Writer current = writer;
            if (current != null && supersededBy == null && !slotLost) {
                SlotLease.Renewal renewal = slots.renew(current);
                if (renewal instanceof SlotLease.Renewal.Superseded superseded) {
                    supersededBy = superseded.by();
                    LOG.infof("Rollout %s is superseded by rollout %s; it stops writing", id, superseded.by());
                } else if (renewal instanceof SlotLease.Renewal.Lost && writer == current) {
                    // (a writer given up meanwhile is not lost: its release ended the lease on purpose)
                    slotLost = true;
                }
            }
            if (ownership != RolloutStore.Ownership.LOST) {
                ownership = store.heartbeat(id, owner);
            }
        } catch (RuntimeException e) {
            // the fence closes by itself if renewals keep failing; the next tick tries again
            LOG.warnf("Rollout %s: lease renewal failed: %s", id, e.getMessage());
        }
    }

    @Override
    public void close() {
        schedule.cancel(false);
    }
}
