package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowcast.config.PresenceConfig;
import io.shadowcast.testing.LogCapture;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The poller cannot die quietly: any failure is logged and polling goes on; readiness shows polls that stop completing. */
class PollScheduleTest {

    private final Deque<Supplier<DuePoller.Report>> polls = new ArrayDeque<>();
    private final AtomicReference<Duration> sinceProgress = new AtomicReference<>(Duration.ZERO);
    private final DuePoller poller = new DuePoller(null, null, null, null, new DuePoller.Settings(1, 1, true),
            Clock.systemUTC()) {
        @Override
        public Report poll() {
            return polls.removeFirst().get();
        }

        @Override
        public Duration sinceProgress() {
            return sinceProgress.get();
        }
    };

    @AfterEach
    void close() {
        poller.close();
    }

    @Test
    void anyExceptionOfAPollIsLoggedOnceAndTheNextPollsGoOn() {
        polls.add(() -> {
            throw new AssertionError("a bug, not an SDK exception");
        });
        polls.add(() -> {
            throw new IllegalStateException("still broken");
        });
        polls.add(() -> DuePoller.Report.NONE);
        PollSchedule schedule = new PollSchedule(poller);

        try (LogCapture log = new LogCapture()) {
            schedule.poll();
            schedule.poll();
            schedule.poll();

            assertThat(polls).as("every poll ran").isEmpty();
            List<LogCapture.Line> warnings = log.lines().stream()
                    .filter(line -> line.level().intValue() == Level.WARNING.intValue())
                    .filter(line -> line.text().contains("Presence poll")).toList();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0).text()).contains("Presence poll failed").contains("a bug, not an SDK exception");
            assertThat(log.texts()).noneMatch(text -> text.contains("still broken") && text.contains("failed:"));
            assertThat(log.texts()).anyMatch(text -> text.contains("Presence poll works again"));
        }
    }

    @Test
    void readinessIsDownWhenNoPollCompletedForSeveralIntervals() {
        PresenceConfig config = config(Map.of("enabled", true, "pollInterval", Duration.ofSeconds(5),
                "claimLease", Duration.ofSeconds(10)));
        PollReadiness readiness = new PollReadiness(poller, config);

        sinceProgress.set(Duration.ofSeconds(4));
        assertThat(readiness.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        sinceProgress.set(Duration.ofSeconds(16)); // three intervals of 5 s, longer than the 10 s lease
        assertThat(readiness.call().getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(readiness.call().getData().orElseThrow()).containsEntry("downAfterSeconds", 15L);
    }

    /** A PresenceConfig answering only the given keys. */
    private static PresenceConfig config(Map<String, Object> values) {
        return (PresenceConfig) Proxy.newProxyInstance(PresenceConfig.class.getClassLoader(),
                new Class<?>[] {PresenceConfig.class}, (proxy, method, args) -> {
                    if (!values.containsKey(method.getName())) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return values.get(method.getName());
                });
    }
}
