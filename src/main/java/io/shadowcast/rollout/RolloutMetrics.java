package io.shadowcast.rollout;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What rollouts did on this replica, as Micrometer meters ({@code /q/metrics}):
 * {@code shadowcast_rollout_updates_total{outcome}} per thing, {@code shadowcast_rollout_throttled_retries_total},
 * {@code shadowcast_rollout_held_back_total} (attempts given a new slot because they would have left in a burst),
 * the {@code shadowcast_rollout_rate} the shadow writer currently allows itself, and per finished
 * rollout {@code shadowcast_rollouts_total{status}} and {@code shadowcast_rollout_duration_seconds{status}}.
 */
@Singleton
public class RolloutMetrics {

    private final MeterRegistry registry;
    private final Map<WriteResult.Outcome, Counter> updates = new EnumMap<>(WriteResult.Outcome.class);
    private final Counter throttledRetries;
    private final Counter heldBack;
    private final Map<RolloutStatus, Counter> rollouts = new EnumMap<>(RolloutStatus.class);
    private final Map<RolloutStatus, Timer> durations = new EnumMap<>(RolloutStatus.class);

    public RolloutMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (WriteResult.Outcome outcome : WriteResult.Outcome.values()) {
            updates.put(outcome, Counter.builder("shadowcast.rollout.updates")
                    .description("Shadow updates of rollouts by outcome, after their retries")
                    .tag("outcome", outcome.name().toLowerCase()).register(registry));
        }
        throttledRetries = Counter.builder("shadowcast.rollout.throttled.retries")
                .description("Shadow updates retried because the data plane throttled them").register(registry);
        heldBack = Counter.builder("shadowcast.rollout.held.back")
                .description("Shadow update attempts given a new slot because the process stood still while their slot passed"
                        + " and they would have left in a burst")
                .register(registry);
        for (RolloutStatus status : RolloutStatus.values()) {
            if (status.isFinal()) {
                rollouts.put(status, Counter.builder("shadowcast.rollouts").description("Rollouts ended, by final status")
                        .tag("status", status.name().toLowerCase()).register(registry));
                durations.put(status, Timer.builder("shadowcast.rollout.duration")
                        .description("Time a rollout ran on this replica until it ended (a resumed one from its resumption)")
                        .tag("status", status.name().toLowerCase()).register(registry));
            }
        }
    }

    /** Shows the writer's current pace; called once by the one writer. */
    void rate(Supplier<Number> perSecond) {
        // held strongly: the registry keeps only a weak reference to a gauge's state by default
        Gauge.builder("shadowcast.rollout.rate", perSecond, s -> s.get().doubleValue())
                .description("Shadow updates per second the writer currently allows itself (adaptive, at most shadowcast.rollout.max-rate)")
                .strongReference(true).register(registry);
    }

    void written(WriteResult result) {
        updates.get(result.outcome()).increment();
        if (result.throttledRetries() > 0) {
            throttledRetries.increment(result.throttledRetries());
        }
    }

    void heldBack() {
        heldBack.increment();
    }

    double heldBackSoFar() {
        return heldBack.count();
    }

    void ended(RolloutStatus status, Duration took) {
        Counter counter = rollouts.get(status);
        if (counter != null) {
            counter.increment();
            durations.get(status).record(took);
        }
    }
}
