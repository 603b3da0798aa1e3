package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.provision.TableProvisioner;
import io.shadowcast.testing.MovableClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Two replicas (two stores and pollers, each with its own clock) over one private timer table, as two
 * service instances would share the real one. The things have no shadow, so every verified check
 * alerts: any double handling would show as a second alert.
 */
@QuarkusTest
class ReplicasTest {

    private static final CheckStore.Settings SETTINGS = new CheckStore.Settings("replicas-" + UUID.randomUUID(), 8,
            Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofDays(7));

    @Inject DynamoDbClient dynamo;
    @Inject SqsClient sqs;
    @Inject SnsClient sns;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject TableProvisioner tables;
    @Inject ObjectMapper json;

    private final MovableClock clockA = new MovableClock();
    private final MovableClock clockB = new MovableClock();
    private PresenceFixture fixture;
    private String alerts;
    private CheckStore storeA;
    private CheckStore storeB;
    private DuePoller pollerA;
    private DuePoller pollerB;

    @BeforeEach
    void twoReplicas() {
        tables.checksTable(SETTINGS.table());
        fixture = new PresenceFixture(sqs, sns, iot, iotData);
        String topic = sns.createTopic(r -> r.name("replicas-" + UUID.randomUUID())).topicArn();
        alerts = fixture.subscribe(topic);
        ShadowVerifier verifier = new ShadowVerifier(iotData, json);
        Notifier notifier = new Notifier(sns, () -> topic, new AlertText(ZoneOffset.UTC));
        DuePoller.Settings polling = new DuePoller.Settings(25, 4, true);
        storeA = new CheckStore(dynamo, SETTINGS, clockA);
        storeB = new CheckStore(dynamo, SETTINGS, clockB);
        pollerA = DuePoller.standalone(storeA, verifier, notifier, polling, clockA);
        pollerB = DuePoller.standalone(storeB, verifier, notifier, polling, clockB);
    }

    @AfterEach
    void close() {
        pollerA.close();
        pollerB.close();
    }

    @Test
    void fiveHundredDueChecksAreEachHandledOnceByOneOfTwoReplicas() throws Exception {
        String prefix = PresenceFixture.uniqueThing("fleet");
        Instant disconnectedAt = clockA.instant();
        List<String> things = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String thing = prefix + "-" + i;
            assertThat(storeA.schedule(thing, disconnectedAt, CheckSource.LIFECYCLE, Optional.of("CONNECTION_LOST")))
                    .isEqualTo(CheckStore.ScheduleOutcome.SCHEDULED);
            things.add(thing);
        }
        clockA.advance(Duration.ofMinutes(6));
        clockB.advance(Duration.ofMinutes(6));

        var a = CompletableFuture.supplyAsync(pollerA::poll);
        var b = CompletableFuture.supplyAsync(pollerB::poll);
        DuePoller.Report reportA = a.get();
        DuePoller.Report reportB = b.get();
        // a poll may end early when it keeps losing claims to the other; the next one (as the schedule would) goes on
        DuePoller.Report more;
        while ((more = pollerA.poll()).claimed() > 0) {
            reportA = reportA.plus(more);
        }

        assertThat(reportA.failed() + reportB.failed()).isZero();
        assertThat(reportA.claimed() + reportB.claimed()).isEqualTo(500);
        assertThat(reportA.notified() + reportB.notified()).isEqualTo(500);
        assertThat(storeA.due(1000)).isEmpty();
        assertThat(storeB.page(10, Optional.empty()).checks()).isEmpty();
        List<String> alerted = fixture.drain(alerts).stream().map(PresenceFixture.Alert::thingName).toList();
        assertThat(alerted).hasSize(500).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(things);
    }

    @Test
    void aClaimWhoseHolderDiesIsHandledByTheOtherReplicaAfterTheLease() {
        String thing = PresenceFixture.uniqueThing("orphan");
        storeA.schedule(thing, clockA.instant(), CheckSource.LIFECYCLE, Optional.empty());
        clockA.advance(Duration.ofMinutes(6));
        clockB.advance(Duration.ofMinutes(6));

        PendingCheck seen = storeA.due(1000).stream().filter(c -> c.thingName().equals(thing)).findFirst().orElseThrow();
        PendingCheck held = storeA.claim(seen).orElseThrow(); // replica A claims it, then dies
        assertThat(storeB.claim(seen)).as("the same sighting cannot be claimed twice").isEmpty();

        assertThat(pollerB.poll().claimed()).as("held by A's lease").isZero();
        assertThat(fixture.drain(alerts)).isEmpty();

        clockB.advance(SETTINGS.lease().plusSeconds(1));
        DuePoller.Report report = pollerB.poll();

        assertThat(report.notified()).isEqualTo(1);
        assertThat(storeB.get(thing)).isEmpty();
        assertThat(fixture.drain(alerts)).extracting(PresenceFixture.Alert::thingName).containsExactly(thing);
        // A comes back to life and tries to finish what it held: its claim is gone, it cannot begin an alert
        assertThat(storeA.beginAlert(held, "replica-a", Verdict.Reason.NO_SHADOW)).isFalse();
        assertThat(storeA.finish(held)).isFalse();
    }
}
