package io.shadowcast.rollout;

import java.util.concurrent.atomic.LongAdder;

/** Counts that many fan-out threads add to at once; {@link #counts()} is a snapshot. */
final class Tally {

    private final LongAdder targets = new LongAdder();
    private final LongAdder updated = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder throttledRetries = new LongAdder();

    Tally(RolloutCounts start) {
        targets.add(start.targets());
        updated.add(start.updated());
        skipped.add(start.skipped());
        failed.add(start.failed());
        throttledRetries.add(start.throttledRetries());
    }

    void target() {
        targets.increment();
    }

    void targets(long count) {
        targets.add(count);
    }

    void add(WriteResult result) {
        switch (result.outcome()) {
            case UPDATED -> updated.increment();
            case SKIPPED -> skipped.increment();
            case FAILED -> failed.increment();
        }
        throttledRetries.add(result.throttledRetries());
    }

    /** A thing counted as failed was written again: its new outcome replaces the failure. */
    void retried(WriteResult result) {
        failed.decrement();
        add(result);
    }

    RolloutCounts counts() {
        return new RolloutCounts(targets.sum(), updated.sum(), skipped.sum(), failed.sum(), throttledRetries.sum());
    }
}
