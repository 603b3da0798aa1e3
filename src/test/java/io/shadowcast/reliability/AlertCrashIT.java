package io.shadowcast.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.TestClients;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A service JVM killed in the middle of an alert (halted at a test-only crash point of the alert protocol,
 * {@code shadowcast.test.crash-at}, as SIGKILL would stop it): a second JVM finishes the alert after the
 * claim's deadline, and the subscriber gets it exactly once.
 */
class AlertCrashIT extends ReplacedInstance {

    private static final Duration LEASE = Duration.ofSeconds(8);
    private static final Map<String, String> SETTINGS = Map.of(
            "shadowcast.provision.things", "",
            "shadowcast.presence.grace", "PT2S",
            "shadowcast.presence.poll-interval", "1s",
            "shadowcast.presence.claim-lease", LEASE.toSeconds() + "s");

    @Test
    void killedAfterBeginningAnAlertAndBeforePublishingItTheNextInstancePublishesItOnce() {
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            AlertSubscription alerts = AlertSubscription.to(aws, "shadowcast-alerts");
            first = AppProcess.start("alert-crash-before", moto.endpoint(), "256m",
                    with(SETTINGS, "shadowcast.test.crash-at", "before-publish"));
            String thing = "crash-before-1";
            PresenceEvents.disconnect(aws, thing, System.currentTimeMillis());

            Fleet.await("the first instance to halt at the crash point", Duration.ofSeconds(60), () -> !first.isAlive());
            assertThat(first.logText()).contains("Halting at crash point before-publish");
            assertThat(alerts.alertedThings()).as("nothing published before the kill").isEmpty();

            second = AppProcess.start("alert-crash-before-next", moto.endpoint(), "256m", SETTINGS);
            Fleet.await("the alert, published by the next instance", LEASE.plusSeconds(30),
                    () -> alerts.alertedThings().contains(thing));
            Fleet.sleep(4000); // more polls: a second alert would show now

            assertThat(alerts.alertedThings()).containsExactly(thing);
            assertThat(second.logText()).contains("resuming the alert");
            assertThat(Fleet.get(second, "/checks").path("checks")).as("no check left").isEmpty();
        }
    }

    @Test
    void killedAfterPublishingToAFifoTopicTheNextInstanceFinishesAndTheTopicDeliversOnce() {
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            AlertSubscription alerts = AlertSubscription.to(aws, "shadowcast-alerts.fifo");
            Map<String, String> fifo = with(SETTINGS, "shadowcast.presence.topic", "shadowcast-alerts.fifo");
            first = AppProcess.start("alert-crash-after", moto.endpoint(), "256m",
                    with(fifo, "shadowcast.test.crash-at", "after-publish"));
            String thing = "crash-after-1";
            PresenceEvents.disconnect(aws, thing, System.currentTimeMillis());

            Fleet.await("the first instance to halt after publishing", Duration.ofSeconds(60), () -> !first.isAlive());
            assertThat(first.logText()).contains("Halting at crash point after-publish");
            assertThat(alerts.alertedThings()).as("published before the kill").containsExactly(thing);

            second = AppProcess.start("alert-crash-after-next", moto.endpoint(), "256m", fifo);
            Fleet.await("the next instance to finish the check", LEASE.plusSeconds(30),
                    () -> second.logText().contains("resuming the alert")
                            && Fleet.get(second, "/checks").path("checks").isEmpty());
            Fleet.sleep(2000);

            assertThat(alerts.alertedThings()).as("the republished alert has the same deduplication id")
                    .containsExactly(thing);
        }
    }

    private static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(key, value);
        return all;
    }
}
