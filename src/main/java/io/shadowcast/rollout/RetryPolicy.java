package io.shadowcast.rollout;

import io.shadowcast.config.RolloutConfig;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one retry policy of a shadow write: at most {@code maxRetries} retries of a transient failure,
 * the n-th after {@code initialDelay × 2^(n-1)} capped at {@code maxDelay}, plus or minus up to
 * {@code jitter} so that throttled requests do not come back in step.
 */
record RetryPolicy(int maxRetries, long initialDelayMillis, long maxDelayMillis, long jitterMillis) {

    static RetryPolicy of(RolloutConfig.Retry retry) {
        return new RetryPolicy(retry.maxRetries(), retry.initialDelay().toMillis(), retry.maxDelay().toMillis(),
                retry.jitter().toMillis());
    }

    /** @param retry 1 for the first retry */
    boolean allows(int retry) {
        return retry <= maxRetries;
    }

    /** @param retry 1 for the first retry */
    long delayMillis(int retry) {
        long backoff = initialDelayMillis << Math.min(30, retry - 1);
        long capped = Math.min(maxDelayMillis, backoff < 0 ? Long.MAX_VALUE : backoff);
        long jitter = jitterMillis == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitterMillis, jitterMillis + 1);
        return Math.max(0, capped + jitter);
    }
}
