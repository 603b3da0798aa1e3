package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.provision.TableProvisioner;
import io.shadowcast.testing.MovableClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The alert protocol against the emulator, with the races and crashes placed exactly: a connect between
 * the shadow read and the alert write, a connect while the alert is published, a replica that dies after
 * beginning an alert, one that dies after publishing it, verifications that always fail, and a lowered
 * shard count. Each test runs its own store(s) and poller(s) over a private table and topic.
 */
@QuarkusTest
class AlertProtocolTest {

    private static final CheckStore.Settings SETTINGS = new CheckStore.Settings("alerting-" + UUID.randomUUID(), 8,
            Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofDays(7));
    private static final DuePoller.Settings POLLING = new DuePoller.Settings(25, 4, true, 2, Duration.ofSeconds(5));

    @Inject DynamoDbClient dynamo;
    @Inject SqsClient sqs;
    @Inject SnsClient sns;
    @Inject IotClient iot;
    @Inject IotDataPlaneClient iotData;
    @Inject TableProvisioner tables;
    @Inject ObjectMapper json;

    private final MovableClock clock = new MovableClock();
    private PresenceFixture fixture;
    private String topic;
    private String alerts;
    private CheckStore store;
    private Notifier notifier;
    private PresenceCounters counters;
    private AlertProtocol protocol;
    private DuePoller poller;

    @BeforeEach
    void setUp() {
        tables.checksTable(SETTINGS.table());
        fixture = new PresenceFixture(sqs, sns, iot, iotData);
        topic = sns.createTopic(r -> r.name("alerting-" + UUID.randomUUID())).topicArn();
        alerts = fixture.subscribe(topic);
        store = new CheckStore(dynamo, SETTINGS, clock);
        notifier = new Notifier(sns, () -> topic, new AlertText(ZoneOffset.UTC));
        counters = new PresenceCounters(new SimpleMeterRegistry());
        protocol = new AlertProtocol(store, notifier, counters, clock, true);
    }

    @AfterEach
    void close() {
        if (poller != null) {
            poller.close();
        }
    }

    @Test
    void aConnectBetweenTheShadowReadAndTheAlertWriteWinsAndNothingIsLeftOpen() {
        String thing = PresenceFixture.uniqueThing("race");
        fixture.thingReporting(thing, false);
        Instant disconnectedAt = clock.instant();
        store.schedule(thing, disconnectedAt, CheckSource.LIFECYCLE, Optional.empty());
        Instant connectedAt = disconnectedAt.plusSeconds(200);
        ShadowVerifier racing = new ShadowVerifier(iotData, json) {
            @Override
            public ShadowState read(String thingName) {
                ShadowState state = super.read(thingName); // still disconnected, as read
                // the device is back, and its connect is handled before the poller writes anything
                store.connect(thingName, connectedAt);
                protocol.connected(thingName, connectedAt);
                return state;
            }
        };
        poller = new DuePoller(store, racing, protocol, counters, POLLING, clock);
        clock.advance(SETTINGS.grace().plusSeconds(1));

        DuePoller.Report report = poller.poll();

        assertThat(report.notified()).isZero();
        assertThat(fixture.alertsFor(alerts, thing)).as("no alert for a device back before the alert was written").isEmpty();
        assertThat(store.get(thing)).isEmpty();
        assertThat(store.closeAlert(thing, connectedAt.plus(Duration.ofDays(3)))).as("no open alert record").isEmpty();
        protocol.connected(thing, connectedAt.plus(Duration.ofDays(3))); // an unrelated connect days later
        assertThat(fixture.alertsFor(alerts, thing)).as("no bogus recovery notice").isEmpty();
    }

    @Test
    void aDisconnectEventDeliveredAgainAfterItsAlertIsNotAlertedTwice() {
        String thing = PresenceFixture.uniqueThing("redelivered");
        fixture.thingReporting(thing, false);
        Instant disconnectedAt = clock.instant();
        store.schedule(thing, disconnectedAt, CheckSource.SHADOW, Optional.empty());
        poller = new DuePoller(store, new ShadowVerifier(iotData, json), protocol, counters, POLLING, clock);
        clock.advance(SETTINGS.grace().plusSeconds(1));
        assertThat(poller.poll().notified()).isEqualTo(1);

        // SQS delivers at least once: the same event comes back after the check was alerted and finished
        assertThat(store.schedule(thing, disconnectedAt, CheckSource.SHADOW, Optional.empty()))
                .as("the same disconnect again").isEqualTo(CheckStore.ScheduleOutcome.STALE);
        clock.advance(SETTINGS.grace().plusSeconds(1));
        poller.poll();

        assertThat(fixture.alertsFor(alerts, thing)).as("alerts for one disconnect").hasSize(1);
        Instant later = disconnectedAt.plusSeconds(30);
        assertThat(store.schedule(thing, later, CheckSource.SHADOW, Optional.empty()))
                .as("a newer disconnect is still watched").isEqualTo(CheckStore.ScheduleOutcome.SCHEDULED);
        store.cancel(thing); // the table is shared by the tests of this class
    }

    @Test
    void aConnectWhileTheAlertIsPublishedGetsItsRecoveryNoticeOnce() {
        String thing = PresenceFixture.uniqueThing("during");
        Instant disconnectedAt = clock.instant();
        store.schedule(thing, disconnectedAt, CheckSource.LIFECYCLE, Optional.empty());
        Instant connectedAt = disconnectedAt.plusSeconds(400);
        Notifier connectingMeanwhile = new Notifier(sns, () -> topic, new AlertText(ZoneOffset.UTC)) {
            @Override
            public String alert(PendingCheck check, Verdict verdict, Instant now) {
                String id = super.alert(check, verdict, now);
                // the connect is recorded after the alert began; it finds no PUBLISHED record yet
                store.connect(check.thingName(), connectedAt);
                protocol.connected(check.thingName(), connectedAt);
                return id;
            }
        };
        AlertProtocol publishing = new AlertProtocol(store, connectingMeanwhile, counters, clock, true);
        poller = new DuePoller(store, new ShadowVerifier(iotData, json), publishing, counters, POLLING, clock);
        clock.advance(SETTINGS.grace().plusSeconds(1));

        assertThat(poller.poll().notified()).isEqualTo(1);

        List<PresenceFixture.Alert> received = fixture.alertsFor(alerts, thing);
        assertThat(received).extracting(PresenceFixture.Alert::subject)
                .containsExactly("Disconnected: " + thing, "Back online: " + thing);
        assertThat(received.get(1).message()).contains("after 6 minutes disconnected");
        assertThat(store.closeAlert(thing, connectedAt.plus(Duration.ofDays(1)))).as("closed, not left open").isEmpty();
    }

    @Test
    void aReplicaThatDiesAfterBeginningAnAlertLeavesItToAnotherAfterTheDeadline() {
        String thing = PresenceFixture.uniqueThing("begun");
        store.schedule(thing, clock.instant(), CheckSource.LIFECYCLE, Optional.empty());
        clock.advance(SETTINGS.grace().plusSeconds(1));
        PendingCheck held = store.claim(dueCheck(thing)).orElseThrow();
        assertThat(store.beginAlert(held, "replica-that-dies", Verdict.Reason.NO_SHADOW)).isTrue();
        // ... and the replica dies before it publishes
        assertThat(store.get(thing).orElseThrow().status()).isEqualTo(PendingCheck.Status.PUBLISHING);
        poller = new DuePoller(store, new ShadowVerifier(iotData, json), protocol, counters, POLLING, clock);

        assertThat(poller.poll().claimed()).as("within the deadline nobody takes it").isZero();
        clock.advance(SETTINGS.lease().plusSeconds(1));
        assertThat(poller.poll().notified()).isEqualTo(1);

        assertThat(fixture.alertsFor(alerts, thing)).hasSize(1);
        assertThat(store.get(thing)).as("deleted only after PUBLISHED").isEmpty();
        assertThat(store.isPublished(held)).isTrue();
    }

    @Test
    void aReplicaThatDiesAfterPublishingIsFinishedByAnotherAndAFifoTopicGetsTheAlertOnce() {
        String fifoTopic = sns.createTopic(r -> r.name("alerting-" + UUID.randomUUID() + ".fifo")
                .attributes(Map.of("FifoTopic", "true"))).topicArn();
        String fifoQueue = sqs.createQueue(r -> r.queueName("alerts-" + UUID.randomUUID() + ".fifo")
                .attributesWithStrings(Map.of("FifoQueue", "true"))).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(fifoQueue).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(r -> r.topicArn(fifoTopic).protocol("sqs").endpoint(queueArn));
        Notifier fifo = new Notifier(sns, () -> fifoTopic, new AlertText(ZoneOffset.UTC));
        String thing = PresenceFixture.uniqueThing("published");
        store.schedule(thing, clock.instant(), CheckSource.LIFECYCLE, Optional.empty());
        clock.advance(SETTINGS.grace().plusSeconds(1));
        PendingCheck held = store.claim(dueCheck(thing)).orElseThrow();
        assertThat(store.beginAlert(held, "replica-that-dies", Verdict.Reason.NO_SHADOW)).isTrue();
        fifo.alert(held, new Verdict(true, Verdict.Reason.NO_SHADOW), clock.instant());
        // ... and the replica dies before it records PUBLISHED
        poller = new DuePoller(store, new ShadowVerifier(iotData, json),
                new AlertProtocol(store, fifo, counters, clock, true), counters, POLLING, clock);

        clock.advance(SETTINGS.lease().plusSeconds(1));
        assertThat(poller.poll().notified()).isEqualTo(1);

        assertThat(fixture.alertsFor(fifoQueue, thing)).as("the deduplication id makes the resumed publish one alert")
                .hasSize(1);
        assertThat(store.get(thing)).isEmpty();
    }

    @Test
    void closingWhileAnAlertIsPublishedLetsThePublishFinish() throws Exception {
        String thing = PresenceFixture.uniqueThing("closing");
        store.schedule(thing, clock.instant(), CheckSource.LIFECYCLE, Optional.empty());
        CountDownLatch publishing = new CountDownLatch(1);
        Notifier slow = new Notifier(sns, () -> topic, new AlertText(ZoneOffset.UTC)) {
            @Override
            public String alert(PendingCheck check, Verdict verdict, Instant now) {
                publishing.countDown();
                try {
                    Thread.sleep(1000); // an SNS call that takes a while
                } catch (InterruptedException e) {
                    throw new IllegalStateException("the publish was interrupted by the shutdown", e);
                }
                return super.alert(check, verdict, now);
            }
        };
        poller = new DuePoller(store, new ShadowVerifier(iotData, json),
                new AlertProtocol(store, slow, counters, clock, true), counters, POLLING, clock);
        clock.advance(SETTINGS.grace().plusSeconds(1));

        CompletableFuture<DuePoller.Report> polling = CompletableFuture.supplyAsync(poller::poll);
        assertThat(publishing.await(30, TimeUnit.SECONDS)).isTrue();
        poller.close(); // as on SIGTERM

        assertThat(polling.get(30, TimeUnit.SECONDS).notified()).isEqualTo(1);
        assertThat(fixture.alertsFor(alerts, thing)).hasSize(1);
        assertThat(store.get(thing)).isEmpty();
    }

    @Test
    void aCheckThatCannotBeVerifiedEndsFailedWithOneAlertAfterMaxAttempts() {
        String thing = PresenceFixture.uniqueThing("denied");
        store.schedule(thing, clock.instant(), CheckSource.LIFECYCLE, Optional.empty());
        AtomicInteger reads = new AtomicInteger();
        ShadowVerifier denied = new ShadowVerifier(iotData, json) {
            @Override
            public ShadowState read(String thingName) {
                reads.incrementAndGet();
                throw new IllegalStateException("AccessDenied on GetThingShadow");
            }
        };
        poller = new DuePoller(store, denied, protocol, counters, POLLING, clock);
        clock.advance(SETTINGS.grace().plusSeconds(1));

        for (int poll = 0; poll < 6; poll++) {
            poller.poll();
            clock.advance(SETTINGS.lease().plusSeconds(1));
        }

        assertThat(reads.get()).as("max-attempts reads, not one per lease for days").isEqualTo(POLLING.maxAttempts());
        PendingCheck failed = store.get(thing).orElseThrow();
        assertThat(failed.status()).isEqualTo(PendingCheck.Status.FAILED);
        assertThat(counters.gaveUpCount()).isEqualTo(1);
        List<PresenceFixture.Alert> received = fixture.alertsFor(alerts, thing);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).subject()).isEqualTo("Could not verify: " + thing);
        assertThat(received.get(0).attributes()).containsEntry("event", "unverifiable");
        assertThat(store.page(1000, Optional.empty()).checks()).as("listed by GET /checks")
                .anyMatch(c -> c.thingName().equals(thing) && c.status() == PendingCheck.Status.FAILED);
    }

    @Test
    void checksInShardsAboveALoweredShardCountAreStillPolled() {
        CheckStore wide = new CheckStore(dynamo, SETTINGS, clock);
        wide.refreshShards(); // a replica with 8 shards polled this table
        String thing = "shards-" + UUID.randomUUID().toString().substring(0, 8);
        while (wide.shardOf(thing) < 2) {
            thing = "shards-" + UUID.randomUUID().toString().substring(0, 8);
        }
        wide.schedule(thing, clock.instant(), CheckSource.LIFECYCLE, Optional.empty());
        CheckStore narrow = new CheckStore(dynamo, new CheckStore.Settings(SETTINGS.table(), 2, SETTINGS.grace(),
                SETTINGS.lease(), SETTINGS.retention()), clock);
        poller = new DuePoller(narrow, new ShadowVerifier(iotData, json),
                new AlertProtocol(narrow, notifier, counters, clock, true), counters, POLLING, clock);
        clock.advance(SETTINGS.grace().plusSeconds(1));

        poller.poll();

        assertThat(narrow.get(thing)).as("the check of shard %d was polled by a 2-shard replica", wide.shardOf(thing))
                .isEmpty();
        assertThat(fixture.alertsFor(alerts, thing)).hasSize(1);
    }

    private PendingCheck dueCheck(String thing) {
        return store.due(1000).stream().filter(c -> c.thingName().equals(thing)).findFirst().orElseThrow();
    }
}
