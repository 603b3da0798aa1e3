package io.shadowcast.rollout;

import java.util.Optional;

/**
 * Stops a rollout that fails too often, like the abort criteria of AWS IoT Jobs: once at least
 * {@code minAttempts} things have an outcome, more than {@code failurePercent} of them failed.
 */
public record AbortPolicy(double failurePercent, int minAttempts) {

    public Optional<String> check(RolloutCounts counts) {
        long attempted = counts.attempted();
        if (attempted == 0 || attempted < minAttempts || failurePercent >= 100) {
            return Optional.empty();
        }
        double percent = 100.0 * counts.failed() / attempted;
        if (percent <= failurePercent) {
            return Optional.empty();
        }
        return Optional.of(String.format(java.util.Locale.ROOT,
                "%d of %d attempted things failed (%.1f%%, above the abort threshold of %.1f%% after %d attempts)",
                counts.failed(), attempted, percent, failurePercent, minAttempts));
    }
}
