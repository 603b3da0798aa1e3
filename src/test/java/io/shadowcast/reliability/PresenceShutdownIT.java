package io.shadowcast.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.TestClients;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while the disconnect watch is publishing alerts, as a deployment sends it: the stopping instance
 * finishes the verifications it started (their SNS calls are not interrupted) within its shutdown grace and
 * claims nothing more; the next instance alerts on the rest. Every due alert arrives, each once.
 */
class PresenceShutdownIT extends ReplacedInstance {

    private static final int DISCONNECTS = Integer.getInteger("reliability.shutdown.disconnects", 200);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);
    private static final Map<String, String> SETTINGS = Map.of(
            "shadowcast.provision.things", "",
            "shadowcast.presence.grace", "PT2S",
            "shadowcast.presence.poll-interval", "1s",
            "shadowcast.presence.claim-lease", "20s",
            "shadowcast.sqs.shutdown-grace", SHUTDOWN_GRACE.toSeconds() + "s");

    @Test
    void aStoppedInstanceFinishesTheAlertsItStartedAndTheNextOneSendsTheRestEachOnce() {
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            AlertSubscription alerts = AlertSubscription.to(aws, "shadowcast-alerts");
            first = AppProcess.start("presence-term-first", moto.endpoint(), "256m", SETTINGS);
            List<String> things = IntStream.range(0, DISCONNECTS).mapToObj(i -> String.format("term-%04d", i)).toList();
            PresenceEvents.disconnectAll(aws, things, System.currentTimeMillis());

            Fleet.await("the first alerts", Duration.ofSeconds(60), () -> alerts.alertedThings().size() >= 10);
            long terminated = System.nanoTime();
            first.close();
            double stopSeconds = (System.nanoTime() - terminated) / 1e9;
            int beforeStop = alerts.alertedThings().size();
            assertThat(first.logText()).as("nothing interrupted").doesNotContain("interrupting them");

            second = AppProcess.start("presence-term-second", moto.endpoint(), "256m", SETTINGS);
            Fleet.await("every alert", Duration.ofMinutes(3), Duration.ofSeconds(1),
                    () -> new HashSet<>(alerts.alertedThings()).size() >= DISCONNECTS);
            Fleet.sleep(4000); // more polls: a duplicate would show now

            List<String> alerted = alerts.alertedThings();
            assertThat(alerted).as("each disconnect alerted once").hasSize(DISCONNECTS).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(things);
            assertThat(beforeStop).as("the first instance was stopped mid-way").isLessThan(DISCONNECTS);
            assertThat(stopSeconds).as("stopped within the shutdown grace and a few seconds of closing")
                    .isLessThan(2 * SHUTDOWN_GRACE.toSeconds() + 10);
            System.out.printf("PresenceShutdownIT: SIGTERM after %d of %d alerts; stopped in %.1f s; all %d alerted once%n",
                    beforeStop, DISCONNECTS, stopSeconds, DISCONNECTS);
        }
    }
}
