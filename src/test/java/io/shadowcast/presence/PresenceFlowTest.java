package io.shadowcast.presence;

import static io.shadowcast.presence.PresenceFixture.await;
import static io.shadowcast.presence.PresenceFixture.uniqueThing;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.aws.QueueUrls;
import io.shadowcast.aws.TopicArns;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.testing.MovableClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The disconnect watch end to end on the emulator: events go onto the presence queue exactly as the
 * IoT rules would put them there (the emulator runs no rules), shadows are set through the data
 * plane, time moves with the injected clock, and alerts are read from a queue subscribed to the topic.
 */
@QuarkusTest
class PresenceFlowTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject SqsClient sqs;
    @Inject SnsClient sns;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject QueueUrls queueUrls;
    @Inject TopicArns topicArns;
    @Inject PresenceConfig config;
    @Inject CheckStore store;
    @Inject DuePoller poller;
    @Inject PresenceCounters counters;
    @Inject MovableClock clock;

    private PresenceFixture fixture;
    private String presenceQueue;
    private String alerts;

    @BeforeEach
    void setUp() {
        fixture = new PresenceFixture(sqs, sns, iot, iotData);
        presenceQueue = queueUrls.urlOf(config.queue());
        alerts = fixture.subscribe(topicArns.arnOf(config.topic()));
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void disconnectWithoutReconnectAlertsExactlyOnceAfterTheGracePeriod() {
        String thing = uniqueThing("gone");
        long ts = fixture.thingReporting(thing, false);
        fixture.send(presenceQueue, shadowEvent(thing, false, ts));
        await("check of " + thing, WAIT, () -> store.get(thing).isPresent());
        assertThat(store.get(thing).get().dueAt()).isEqualTo(Instant.ofEpochSecond(ts).plus(config.grace()));

        clock.advance(config.grace().minusSeconds(30));
        poller.poll();
        assertThat(store.get(thing)).as("not due before the grace period").isPresent();
        assertThat(fixture.alertsFor(alerts, thing)).isEmpty();

        clock.advance(Duration.ofSeconds(31));
        poller.poll();
        await("check of " + thing + " done", WAIT, () -> store.get(thing).isEmpty());

        List<PresenceFixture.Alert> received = fixture.alertsFor(alerts, thing);
        assertThat(received).hasSize(1);
        PresenceFixture.Alert alert = received.get(0);
        assertThat(alert.subject()).isEqualTo("Disconnected: " + thing);
        assertThat(alert.message()).contains("Thing " + thing + " has been disconnected since")
                .contains("the shadow still reports it disconnected");
        assertThat(alert.attributes()).containsEntry("thingName", thing)
                .containsEntry("disconnectedAt", Instant.ofEpochSecond(ts).toString())
                .containsEntry("reason", "UNKNOWN")
                .containsEntry("event", "disconnected");

        clock.advance(Duration.ofMinutes(10));
        poller.poll();
        assertThat(fixture.alertsFor(alerts, thing)).as("no second alert").isEmpty();
    }

    @Test
    void disconnectReReportedAsFalseStillAlerts() throws InterruptedException {
        String thing = uniqueThing("rereport");
        fixture.thingReporting(thing, true);
        long ts = fixture.report(thing, false); // true -> false: the rule fires
        fixture.send(presenceQueue, shadowEvent(thing, false, ts));
        await("check of " + thing, WAIT, () -> store.get(thing).isPresent());
        Thread.sleep(1100); // shadow timestamps have whole seconds
        long again = fixture.report(thing, false); // false -> false: new timestamp, no rule event, no reconnect
        assertThat(again).isGreaterThan(ts);

        clock.advance(config.grace().plusSeconds(2));
        poller.poll();
        await("check of " + thing + " done", WAIT, () -> store.get(thing).isEmpty());

        List<PresenceFixture.Alert> received = fixture.alertsFor(alerts, thing);
        assertThat(received).as("alerts on a device that never came back").hasSize(1);
        assertThat(received.get(0).attributes()).containsEntry("disconnectedAt", Instant.ofEpochSecond(ts).toString());
    }

    @Test
    void alertedThingThatConnectsAgainGetsOneRecoveryNotice() {
        String thing = uniqueThing("back");
        long disconnectedAt = System.currentTimeMillis() - Duration.ofMinutes(43).toMillis();
        fixture.send(presenceQueue, lifecycleEvent(thing, "disconnected", disconnectedAt, "CONNECTION_LOST"));
        await("check of " + thing, WAIT, () -> store.get(thing).isPresent());
        clock.advance(config.grace().plusSeconds(1));
        poller.poll();
        await("alert on " + thing, WAIT, () -> store.get(thing).isEmpty());
        List<PresenceFixture.Alert> alert = fixture.alertsFor(alerts, thing);
        assertThat(alert).hasSize(1);
        assertThat(alert.get(0).attributes()).containsEntry("reason", "CONNECTION_LOST");
        assertThat(alert.get(0).message()).contains("the thing has no shadow to verify against");
        long recoveriesBefore = counters.recoveries();

        long connectedAt = disconnectedAt + Duration.ofMinutes(42).toMillis();
        String connected = lifecycleEvent(thing, "connected", connectedAt, null);
        fixture.send(presenceQueue, connected);
        fixture.send(presenceQueue, connected);
        await("recovery notice", WAIT, () -> counters.recoveries() > recoveriesBefore);
        await("both connect events handled", WAIT, () -> sqsEmpty(presenceQueue));

        List<PresenceFixture.Alert> recovery = fixture.alertsFor(alerts, thing);
        assertThat(recovery).hasSize(1);
        assertThat(recovery.get(0).subject()).isEqualTo("Back online: " + thing);
        assertThat(recovery.get(0).message()).contains("after 42 minutes disconnected");
        assertThat(recovery.get(0).attributes()).containsEntry("event", "reconnected")
                .containsEntry("disconnectedAt", Instant.ofEpochMilli(disconnectedAt).toString());
    }

    @Test
    void reconnectBeforeTheGracePeriodEndsSendsNothing() {
        String thing = uniqueThing("blip");
        long ts = fixture.thingReporting(thing, false);
        fixture.send(presenceQueue, shadowEvent(thing, false, ts));
        await("check of " + thing, WAIT, () -> store.get(thing).isPresent());
        fixture.report(thing, true);
        long suppressedBefore = counters.suppressed(Verdict.Reason.RECONNECTED);

        clock.advance(config.grace().plusSeconds(1));
        poller.poll();
        await("check of " + thing + " done", WAIT, () -> store.get(thing).isEmpty());

        assertThat(fixture.alertsFor(alerts, thing)).isEmpty();
        assertThat(counters.suppressed(Verdict.Reason.RECONNECTED)).isGreaterThan(suppressedBefore);
    }

    @Test
    void flappingThingIsJudgedOnItsNewestDisconnectOnly() throws InterruptedException {
        String thing = uniqueThing("flap");
        long first = fixture.thingReporting(thing, false);
        fixture.send(presenceQueue, shadowEvent(thing, false, first));
        await("first check", WAIT, () -> store.get(thing).isPresent());
        fixture.report(thing, true);
        Thread.sleep(1100); // shadow timestamps have whole seconds: the second disconnect needs a new one
        long second = fixture.report(thing, false);
        assertThat(second).isGreaterThan(first);

        long supersededBefore = counters.superseded();
        fixture.send(presenceQueue, shadowEvent(thing, false, second));
        await("check follows the newest disconnect", WAIT, () -> counters.superseded() > supersededBefore
                && store.get(thing).map(c -> c.disconnectedAt().getEpochSecond() == second).orElse(false));
        fixture.send(presenceQueue, shadowEvent(thing, false, first)); // the old one again, late
        await("presence queue drained", WAIT, () -> sqsEmpty(presenceQueue));
        assertThat(store.get(thing).get().disconnectedAt()).isEqualTo(Instant.ofEpochSecond(second));

        clock.advance(config.grace().plusSeconds(2));
        poller.poll();
        await("check of " + thing + " done", WAIT, () -> store.get(thing).isEmpty());

        List<PresenceFixture.Alert> received = fixture.alertsFor(alerts, thing);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).attributes()).containsEntry("disconnectedAt", Instant.ofEpochSecond(second).toString());
    }

    @Test
    void duplicateAndOutOfOrderLifecycleEventsKeepOnlyTheNewestState() {
        String thing = uniqueThing("order");
        long t = System.currentTimeMillis();
        fixture.send(presenceQueue, lifecycleEvent(thing, "disconnected", t, "MQTT_KEEP_ALIVE_TIMEOUT"));
        fixture.send(presenceQueue, lifecycleEvent(thing, "disconnected", t, "MQTT_KEEP_ALIVE_TIMEOUT"));
        fixture.send(presenceQueue, lifecycleEvent(thing, "connected", t - 5000, null)); // older than the disconnect
        await("events handled", WAIT, () -> sqsEmpty(presenceQueue) && store.get(thing).isPresent());
        PendingCheck pending = store.get(thing).get();
        assertThat(pending.disconnectedAt()).isEqualTo(Instant.ofEpochMilli(t));
        assertThat(pending.reason()).contains("MQTT_KEEP_ALIVE_TIMEOUT");
        assertThat(pending.source()).isEqualTo(CheckSource.LIFECYCLE);

        long cancelledBefore = counters.cancelled();
        fixture.send(presenceQueue, lifecycleEvent(thing, "connected", t + 2000, null));
        await("lifecycle connected cancels the check", WAIT,
                () -> counters.cancelled() > cancelledBefore && store.get(thing).isEmpty());

        // a disconnect from before that connect, delivered late, must not bring the check back
        fixture.send(presenceQueue, lifecycleEvent(thing, "disconnected", t + 1000, "CONNECTION_LOST"));
        await("late event handled", WAIT, () -> sqsEmpty(presenceQueue));
        assertThat(store.get(thing)).isEmpty();

        clock.advance(config.grace().plusMinutes(1));
        poller.poll();
        assertThat(fixture.alertsFor(alerts, thing)).isEmpty();
    }

    @Test
    void lifecycleEventsAreOrderedByVersionNumberNotByTheirRoughTimestamps() {
        String thing = uniqueThing("versions");
        long t = System.currentTimeMillis();
        // the disconnect (version 11) is stamped 90 s before the connect it follows (version 10): AWS stamps to about ±2 min
        fixture.send(presenceQueue, lifecycleEvent(thing, "connected", t, null, 10));
        await("connect handled", WAIT, () -> sqsEmpty(presenceQueue));
        fixture.send(presenceQueue, lifecycleEvent(thing, "disconnected", t - 90_000, "CONNECTION_LOST", 11));
        await("the newer disconnect scheduled", WAIT, () -> store.get(thing).isPresent());
        // duplicates of both, delivered again in any order, change nothing
        fixture.send(presenceQueue, lifecycleEvent(thing, "connected", t, null, 10));
        fixture.send(presenceQueue, lifecycleEvent(thing, "disconnected", t - 90_000, "CONNECTION_LOST", 11));
        fixture.send(presenceQueue, lifecycleEvent(thing, "connected", t, null, 10));
        await("duplicates handled", WAIT, () -> sqsEmpty(presenceQueue));
        assertThat(store.get(thing)).as("an older connect (version 10) stamped later does not cancel version 11")
                .hasValueSatisfying(check -> assertThat(check.disconnectedAt()).isEqualTo(Instant.ofEpochMilli(t - 90_000)));

        long cancelledBefore = counters.cancelled();
        fixture.send(presenceQueue, lifecycleEvent(thing, "connected", t - 100_000, null, 12));
        await("the next connect (version 12) cancels, though stamped earlier", WAIT,
                () -> counters.cancelled() > cancelledBefore && store.get(thing).isEmpty());
    }

    @Test
    void malformedEventEndsInTheDeadLetterQueueAndTheConsumerGoesOn() {
        String marker = "garbage-" + java.util.UUID.randomUUID();
        String dlq = queueUrls.urlOf(config.queue() + "-dlq");
        fixture.send(presenceQueue, "{\"thingName\":\"" + marker + "\",\"connected\":\"maybe\",\"timestamp\":1}");
        String thing = uniqueThing("after-garbage");
        fixture.send(presenceQueue, lifecycleEvent(thing, "disconnected", System.currentTimeMillis(), null));

        await("valid event after the malformed one handled", WAIT, () -> store.get(thing).isPresent());
        await("malformed event in the DLQ", Duration.ofSeconds(30), () -> sqs.receiveMessage(r -> r.queueUrl(dlq)
                .maxNumberOfMessages(10).waitTimeSeconds(1)).messages().stream()
                .anyMatch(m -> m.body().contains(marker)));
    }

    private boolean sqsEmpty(String queueUrl) {
        var attributes = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNamesWithStrings(
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
        return "0".equals(attributes.get("ApproximateNumberOfMessages"))
                && "0".equals(attributes.get("ApproximateNumberOfMessagesNotVisible"));
    }

    static String shadowEvent(String thing, boolean connected, long seconds) {
        return "{\"thingName\":\"" + thing + "\",\"connected\":" + connected + ",\"timestamp\":" + seconds + "}";
    }

    /** A lifecycle event whose version grows with its time, as the broker's does between resets. */
    static String lifecycleEvent(String clientId, String type, long millis, String reason) {
        return lifecycleEvent(clientId, type, millis, reason, millis);
    }

    static String lifecycleEvent(String clientId, String type, long millis, String reason, long version) {
        return "{\"clientId\":\"" + clientId + "\",\"timestamp\":" + millis + ",\"eventType\":\"" + type + "\","
                + "\"sessionIdentifier\":\"00000000-0000-0000-0000-000000000000\",\"principalIdentifier\":\"p\","
                + (reason == null ? "" : "\"disconnectReason\":\"" + reason + "\",\"clientInitiatedDisconnect\":false,")
                + "\"versionNumber\":" + version + "}";
    }
}
