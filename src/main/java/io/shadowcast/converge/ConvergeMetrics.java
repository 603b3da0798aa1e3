package io.shadowcast.converge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code shadowcast.converge.things}: things that reached a status after their write, tagged {@code status}
 * (applied, failed, timed_out). A thing that moves again (timed out, then applied) counts in both;
 * a rollout's current numbers are in {@code GET /rollouts/{id}}.
 */
@ApplicationScoped
public class ConvergeMetrics {

    private final Map<ThingStatus, Counter> reached = new EnumMap<>(ThingStatus.class);

    ConvergeMetrics(MeterRegistry registry) {
        for (ThingStatus status : ThingStatus.values()) {
            if (status != ThingStatus.WRITTEN) {
                reached.put(status, Counter.builder("shadowcast.converge.things")
                        .description("Written things that reached a status by a device report or the confirm timeout")
                        .tag("status", status.apiName()).register(registry));
            }
        }
    }

    void reached(ThingStatus to) {
        reached.get(to).increment();
    }
}
