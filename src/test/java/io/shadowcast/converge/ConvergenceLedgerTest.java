package io.shadowcast.converge;

import static io.shadowcast.converge.LedgerFixture.applied;
import static io.shadowcast.converge.LedgerFixture.await;
import static io.shadowcast.converge.LedgerFixture.failed;
import static io.shadowcast.converge.LedgerFixture.hashedRollout;
import static io.shadowcast.converge.LedgerFixture.parsed;
import static io.shadowcast.converge.LedgerFixture.things;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.provision.TableProvisioner;
import io.shadowcast.rollout.DeviceLedger;
import io.shadowcast.rollout.DeviceLedger.Convergence;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.SimulatedIot;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The ledger on the emulator's DynamoDB: recording pages, counting reports exactly, timeouts, older uploads. */
@QuarkusTest
@TestProfile(ShortConfirm.class)
class ConvergenceLedgerTest {

    private static final String SHADOW = SimulatedIot.SHADOW;

    @Inject DeviceLedger deviceLedger;
    @Inject ConvergenceLedger ledger;
    @Inject LedgerStore store;
    @Inject RolloutStore rollouts;
    @Inject DynamoDbClient dynamo;
    @Inject ConvergeConfig config;

    @Test
    void aPageRecordedAgainKeepsWhatDevicesReportedAndCountsEachThingOnce() {
        var rollout = hashedRollout(rollouts);
        List<String> page = things("page", 60);
        deviceLedger.willWriteCounted(rollout.id(), 0, page);
        for (String thing : page.subList(0, 20)) {
            ledger.report(parsed(applied(thing, SHADOW, rollout.url(), rollout.hash())));
        }
        ledger.report(parsed(failed(page.get(20), SHADOW, rollout.url(), rollout.hash(), "bad signature")));

        List<String> resumed = new ArrayList<>(page);
        resumed.addAll(things("joined", 5));
        deviceLedger.willWriteCounted(rollout.id(), 0, resumed);

        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(65, 20, 1, 0));
        assertThat(store.get(rollout.id(), page.get(0)).orElseThrow().status()).isEqualTo(ThingStatus.APPLIED);
        assertThat(store.get(rollout.id(), page.get(20)).orElseThrow().error()).isEqualTo("bad signature");
        assertThat(deviceLedger.convergence(rollout.id()).pending()).isEqualTo(44);
    }

    @Test
    void thingsKnownNeverRecordedAreRecordedUnreadAndThoseLookedUpKeepWhatTheirDevicesReported() {
        var rollout = hashedRollout(rollouts);
        List<String> page = things("unread", 30);
        deviceLedger.willWrite(rollout.id(), 0, page, thing -> false).toCompletableFuture().join();
        ledger.report(parsed(applied(page.get(0), SHADOW, rollout.url(), rollout.hash())));

        List<String> next = new ArrayList<>(things("unread-next", 10));
        next.add(page.get(0));
        deviceLedger.willWrite(rollout.id(), 0, next, page::contains).toCompletableFuture().join();

        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(40, 1, 0, 0));
        assertThat(store.get(rollout.id(), page.get(0)).orElseThrow().status()).isEqualTo(ThingStatus.APPLIED);
        assertThat(store.get(rollout.id(), next.get(0)).orElseThrow().status()).isEqualTo(ThingStatus.WRITTEN);
    }

    @Test
    void aPageNamingAThingTwiceRecordsAndCountsItOnce() {
        // a recursive thing-group listing may name a thing of two child groups twice
        var rollout = hashedRollout(rollouts);
        List<String> page = new ArrayList<>(things("twice", 30));
        page.add(page.get(3));
        page.add(1, page.get(20));

        deviceLedger.willWriteCounted(rollout.id(), 0, page);

        assertThat(deviceLedger.convergence(rollout.id()).written()).isEqualTo(30);
    }

    @Test
    void duplicateReportsSentConcurrentlyAreCountedOnce() throws Exception {
        var rollout = hashedRollout(rollouts);
        List<String> page = things("dup", 40);
        deviceLedger.willWriteCounted(rollout.id(), 0, page);

        ExecutorService devices = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int copy = 0; copy < 4; copy++) {
                for (String thing : page) {
                    sent.add(devices.submit(() -> ledger.report(parsed(applied(thing, SHADOW, rollout.url(), rollout.hash())))));
                }
            }
            for (Future<?> report : sent) {
                report.get();
            }
        } finally {
            devices.shutdownNow();
        }

        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(40, 40, 0, 0));
    }

    @Test
    void aReportOfAnOlderUploadsHashCountsForThatRolloutOnlyNeverForTheNewerOne() throws InterruptedException {
        var older = hashedRollout(rollouts);
        var newer = hashedRollout(rollouts);
        List<String> fleet = things("order", 4);
        deviceLedger.willWriteCounted(older.id(), 0, fleet);
        Thread.sleep(5); // the newer rollout's writes come later, as in a real fleet
        deviceLedger.willWriteCounted(newer.id(), 0, fleet);

        // two devices still run the older object (they applied it before the newer write reached them)
        ledger.report(parsed(applied(fleet.get(0), SHADOW, older.url(), older.hash())));
        ledger.report(parsed(applied(fleet.get(1), SHADOW, null, older.hash())));
        // one failed the newer one without getting as far as a hash: an error counts for the newest rollout
        ledger.report(parsed(failed(fleet.get(2), SHADOW, null, null, "download failed")));
        ledger.report(parsed(applied(fleet.get(3), SHADOW, newer.url(), newer.hash())));

        // the device that applied the newer object moved past the older one: superseded there
        assertThat(deviceLedger.convergence(older.id())).isEqualTo(new Convergence(4, 2, 0, 0, 1));
        assertThat(deviceLedger.convergence(newer.id())).isEqualTo(new Convergence(4, 1, 1, 0));
    }

    @Test
    void aDeviceThatMovedOnToANewerRolloutIsSupersededInTheOlderOneByItsReportOrAtTheTimeout()
            throws InterruptedException {
        var older = hashedRollout(rollouts);
        var newer = hashedRollout(rollouts);
        List<String> fleet = things("moved-on", 3);
        deviceLedger.willWriteCounted(older.id(), 0, fleet);
        Thread.sleep(5);
        deviceLedger.willWriteCounted(newer.id(), 0, fleet.subList(0, 2));

        ledger.report(parsed(applied(fleet.get(0), SHADOW, newer.url(), newer.hash())));
        assertThat(deviceLedger.convergence(older.id())).isEqualTo(new Convergence(3, 0, 0, 0, 1));
        assertThat(store.get(older.id(), fleet.get(0)).orElseThrow().status()).isEqualTo(ThingStatus.SUPERSEDED);

        // silent: the thing the newer rollout wrote too is superseded in the older one, the other timed out
        Duration wait = ShortConfirm.CONFIRM_TIMEOUT.plusSeconds(10);
        await("the older rollout's silent things swept", wait, () -> deviceLedger.convergence(older.id()).pending() == 0
                && deviceLedger.convergence(newer.id()).pending() == 0);
        assertThat(deviceLedger.convergence(older.id())).isEqualTo(new Convergence(3, 0, 0, 1, 2));
        assertThat(deviceLedger.convergence(newer.id())).isEqualTo(new Convergence(2, 1, 0, 1, 0));

        // reports arrive out of order: the older hash reported late still counts, the device did apply it
        ledger.report(parsed(applied(fleet.get(0), SHADOW, older.url(), older.hash())));
        assertThat(deviceLedger.convergence(older.id())).isEqualTo(new Convergence(3, 1, 0, 1, 1));
    }

    @Test
    void aFailedDeviceThatAppliesLaterMovesToAppliedAndAnErrorAfterApplyingChangesNothing() {
        var rollout = hashedRollout(rollouts);
        List<String> fleet = things("retry", 2);
        deviceLedger.willWriteCounted(rollout.id(), 0, fleet);

        ledger.report(parsed(failed(fleet.get(0), SHADOW, rollout.url(), rollout.hash(), "no space")));
        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(2, 0, 1, 0));
        ledger.report(parsed(applied(fleet.get(0), SHADOW, rollout.url(), rollout.hash())));
        ledger.report(parsed(failed(fleet.get(0), SHADOW, rollout.url(), rollout.hash(), "no space")));

        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(2, 1, 0, 0));
        assertThat(store.get(rollout.id(), fleet.get(0)).orElseThrow().error()).isNull();
    }

    @Test
    void wavesAreCountedApartAndTogetherAndKnowWhenTheirThingsWereWritten() {
        var rollout = hashedRollout(rollouts);
        List<String> first = things("wave1", 3);
        List<String> second = things("wave2", 7);
        Instant before = Instant.now();
        deviceLedger.willWriteCounted(rollout.id(), 1, first);
        deviceLedger.willWriteCounted(rollout.id(), 2, second);
        ledger.report(parsed(applied(first.get(0), SHADOW, rollout.url(), rollout.hash())));

        assertThat(deviceLedger.convergence(rollout.id(), 1)).isEqualTo(new Convergence(3, 1, 0, 0));
        assertThat(deviceLedger.convergence(rollout.id(), 2)).isEqualTo(new Convergence(7, 0, 0, 0));
        assertThat(deviceLedger.convergence(rollout.id(), 3)).isEqualTo(Convergence.NONE);
        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(10, 1, 0, 0));
        DeviceLedger.Written written = deviceLedger.written(rollout.id(), second.get(6)).orElseThrow();
        assertThat(written.wave()).isEqualTo(2);
        assertThat(written.at()).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(deviceLedger.written(rollout.id(), "never-written")).isEmpty();
    }

    @Test
    void aThingNotWrittenAfterAllIsNoLongerCountedNorAwaited() {
        var rollout = hashedRollout(rollouts);
        List<String> fleet = things("gone", 3);
        deviceLedger.willWriteCounted(rollout.id(), 0, fleet);
        deviceLedger.notWritten(rollout.id(), fleet.get(0));
        deviceLedger.notWritten(rollout.id(), fleet.get(0));

        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(2, 0, 0, 0));
        assertThat(deviceLedger.written(rollout.id(), fleet.get(0))).isEmpty();
    }

    @Test
    void silentDevicesTimeOutAfterTheConfirmTimeoutAndALateReportStillCounts() {
        var rollout = hashedRollout(rollouts);
        List<String> fleet = things("silent", 5);
        deviceLedger.willWriteCounted(rollout.id(), 0, fleet);
        ledger.report(parsed(applied(fleet.get(0), SHADOW, rollout.url(), rollout.hash())));
        ledger.report(parsed(failed(fleet.get(1), SHADOW, rollout.url(), rollout.hash(), "bad image")));
        assertThat(deviceLedger.convergence(rollout.id()).timedOut()).isZero();

        Duration wait = ShortConfirm.CONFIRM_TIMEOUT.plusSeconds(10);
        await("3 silent things timed out", wait, () -> deviceLedger.convergence(rollout.id()).timedOut() == 3);
        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(5, 1, 1, 3));
        assertThat(store.get(rollout.id(), fleet.get(4)).orElseThrow().status()).isEqualTo(ThingStatus.TIMED_OUT);

        ledger.report(parsed(applied(fleet.get(4), SHADOW, rollout.url(), rollout.hash())));
        ledger.report(parsed(failed(fleet.get(3), SHADOW, rollout.url(), rollout.hash(), "late failure")));
        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(5, 2, 2, 1));
    }

    @Test
    void movesCutShortByACrashAreCountedOnceByTheSweep() {
        var rollout = hashedRollout(rollouts);
        List<String> fleet = things("crash", 3);
        deviceLedger.willWriteCounted(rollout.id(), 0, fleet);
        long past = System.currentTimeMillis() - 1_000;

        // killed after step 1: the thing moved and holds its pending count, which nobody took
        pendingMove(rollout.id(), fleet.get(0), "token-a", past);
        // killed after step 2: the count was taken (the counter holds the token), the thing still holds it too
        pendingMove(rollout.id(), fleet.get(1), "token-b", past);
        dynamo.updateItem(r -> r.tableName(config.table())
                .key(Map.of(TableProvisioner.LEDGER_PARTITION, AttributeValue.fromS(LedgerStore.ROLLOUT_PREFIX + rollout.id()),
                        TableProvisioner.LEDGER_SORT, AttributeValue.fromS(LedgerStore.COUNT_PREFIX + "0#"
                                + LedgerStore.shardOf(fleet.get(1)))))
                .updateExpression("ADD applied :one, tokens :token")
                .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                        ":token", AttributeValue.fromSs(List.of("token-b")))));

        await("both moves counted", Duration.ofSeconds(20), () -> store.get(rollout.id(), fleet.get(0)).orElseThrow()
                .counting() == null && store.get(rollout.id(), fleet.get(1)).orElseThrow().counting() == null);
        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(3, 2, 0, 0));
        // a report meanwhile would have waited for the count; now one moves the third thing at once
        ledger.report(parsed(applied(fleet.get(2), SHADOW, rollout.url(), rollout.hash())));
        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(3, 3, 0, 0));
    }

    @Test
    void aPageRecordedButNotCountedBeforeACrashIsCountedOnceWhenItComesAgain() {
        var rollout = hashedRollout(rollouts);
        List<String> page = things("uncounted", 30);
        // killed between the batch writes and the count: 20 things recorded under token page-1, none counted
        for (String thing : page.subList(0, 20)) {
            dynamo.putItem(r -> r.tableName(config.table()).item(Map.of(
                    TableProvisioner.LEDGER_PARTITION, AttributeValue.fromS(LedgerStore.THING_PREFIX + thing),
                    TableProvisioner.LEDGER_SORT, AttributeValue.fromS(rollout.id()),
                    TableProvisioner.STATUS_SORT, AttributeValue.fromS(thing),
                    LedgerStore.WAVE, AttributeValue.fromN("0"),
                    LedgerStore.HASH, AttributeValue.fromS(rollout.hash()),
                    LedgerStore.STATUS, AttributeValue.fromS(ThingStatus.WRITTEN.name()),
                    LedgerStore.WRITTEN_AT, AttributeValue.fromN(Long.toString(System.currentTimeMillis())),
                    LedgerStore.PAGE, AttributeValue.fromS("page-1"))));
        }
        assertThat(deviceLedger.convergence(rollout.id()).written()).isZero();

        deviceLedger.willWriteCounted(rollout.id(), 0, page);
        deviceLedger.willWriteCounted(rollout.id(), 0, page);

        assertThat(deviceLedger.convergence(rollout.id())).isEqualTo(new Convergence(30, 0, 0, 0));
    }

    @Test
    void thingItemsLeaveTheObjectToTheRolloutRecordAndReportsStillFindTheirRollout() {
        var rollout = hashedRollout(rollouts);
        List<String> page = things("lean", 3);
        deviceLedger.willWriteCounted(rollout.id(), 0, page);
        Map<String, AttributeValue> item = dynamo.getItem(r -> r.tableName(config.table()).consistentRead(true)
                .key(Map.of(TableProvisioner.LEDGER_PARTITION, AttributeValue.fromS(LedgerStore.THING_PREFIX + page.get(0)),
                        TableProvisioner.LEDGER_SORT, AttributeValue.fromS(rollout.id())))).item();
        assertThat(item).containsKey(LedgerStore.STATUS).doesNotContainKeys(LedgerStore.HASH, LedgerStore.URL);

        ledger.report(parsed(applied(page.get(0), SHADOW, rollout.url(), rollout.hash())));
        ledger.report(parsed(applied(page.get(1), SHADOW, "s3://another/object", rollout.hash())));
        ledger.report(parsed(applied(page.get(2), SHADOW, rollout.url(), "0".repeat(64))));

        assertThat(deviceLedger.convergence(rollout.id())).as("only the report naming the rollout's url and hash")
                .isEqualTo(new Convergence(3, 1, 0, 0));
    }

    /** What step 1 of a move to APPLIED leaves on the thing item, with a repair deadline already passed. */
    private void pendingMove(String rolloutId, String thing, String token, long dueAt) {
        dynamo.updateItem(r -> r.tableName(config.table())
                .key(Map.of(TableProvisioner.LEDGER_PARTITION, AttributeValue.fromS(LedgerStore.THING_PREFIX + thing),
                        TableProvisioner.LEDGER_SORT, AttributeValue.fromS(rolloutId)))
                .updateExpression("SET #status = :applied, statusKey = :key, countFrom = :written, countTo = :applied, "
                        + "countToken = :token, dueAt = :due")
                .expressionAttributeNames(Map.of("#status", LedgerStore.STATUS))
                .expressionAttributeValues(Map.of(":applied", AttributeValue.fromS("APPLIED"),
                        ":written", AttributeValue.fromS("WRITTEN"), ":token", AttributeValue.fromS(token),
                        ":key", AttributeValue.fromS(LedgerStore.statusKey(rolloutId, ThingStatus.APPLIED,
                                LedgerStore.shardOf(thing))),
                        ":due", AttributeValue.fromN(Long.toString(dueAt)))));
    }
}
