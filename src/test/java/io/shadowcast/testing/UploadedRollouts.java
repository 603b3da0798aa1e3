package io.shadowcast.testing;

import io.shadowcast.rollout.RolloutStore;
import java.time.Duration;

/** Finds the rollout of an upload whose event the emulator sent: its id depends on the event's time. */
public final class UploadedRollouts {

    private UploadedRollouts() {
    }

    /** The id of the newest rollout of this key, once its event has arrived. */
    public static String awaitIdOf(RolloutStore store, String bucket, String key, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            var items = store.listByKey(bucket, key, 1, null).items();
            if (!items.isEmpty()) {
                return items.get(0).id();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no rollout of s3://" + bucket + "/" + key + " within " + timeout);
    }
}
