package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PresenceCountersTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PresenceCounters counters = new PresenceCounters(registry);

    @Test
    void dueGaugesShowTheBacklogAndItsMostOverdueCheck() {
        counters.dueSeen(List.of(due("a", NOW.minusSeconds(30)), due("b", NOW.minusSeconds(95)), due("c", NOW)), NOW);

        assertThat(gauge("shadowcast.presence.due.checks")).isEqualTo(3);
        assertThat(gauge("shadowcast.presence.oldest.due.age")).isEqualTo(95);
    }

    @Test
    void anEmptyPollClearsThem() {
        counters.dueSeen(List.of(due("a", NOW.minusSeconds(30))), NOW);
        counters.dueSeen(List.of(), NOW.plusSeconds(5));

        assertThat(gauge("shadowcast.presence.due.checks")).isZero();
        assertThat(gauge("shadowcast.presence.oldest.due.age")).isZero();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private static PendingCheck due(String thing, Instant dueAt) {
        return new PendingCheck(thing, dueAt.minusSeconds(300), dueAt, 0, CheckSource.MANUAL, Optional.empty(),
                dueAt.minusSeconds(300), 0);
    }
}
