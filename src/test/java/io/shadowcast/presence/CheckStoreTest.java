package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.provision.TableProvisioner;
import io.shadowcast.testing.MovableClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The timer table's item shapes and conditions, on a private table with a grace period of two days. */
@QuarkusTest
class CheckStoreTest {

    private static final CheckStore.Settings SETTINGS = new CheckStore.Settings("store-" + UUID.randomUUID(), 4,
            Duration.ofDays(2), Duration.ofMinutes(1), Duration.ofDays(7));

    @Inject DynamoDbClient dynamo;
    @Inject TableProvisioner tables;

    private final MovableClock clock = new MovableClock();
    private CheckStore store;

    @BeforeEach
    void table() {
        tables.checksTable(SETTINGS.table());
        store = new CheckStore(dynamo, SETTINGS, clock);
    }

    @Test
    void aGraceOfDaysIsKeptInTheTableNotInAQueue() {
        String thing = PresenceFixture.uniqueThing("slow");
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        store.schedule(thing, at, CheckSource.SHADOW, Optional.empty());

        assertThat(store.get(thing).orElseThrow().dueAt()).isEqualTo(at.plus(Duration.ofDays(2)));
        clock.advance(Duration.ofDays(1));
        assertThat(store.due(1000)).extracting(PendingCheck::thingName).doesNotContain(thing);
        clock.advance(Duration.ofDays(1).plusSeconds(1));
        PendingCheck due = store.due(1000).stream().filter(c -> c.thingName().equals(thing)).findFirst().orElseThrow();
        Instant before = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Optional<PendingCheck> claimed = store.claim(due);
        Instant after = clock.instant();
        assertThat(claimed).hasValueSatisfying(check -> {
            assertThat(check.claims()).isEqualTo(1);
            assertThat(check.dueAt()).as("due again when the lease ends")
                    .isBetween(before.plus(SETTINGS.lease()), after.plus(SETTINGS.lease()));
        });
        assertThat(expiresAt(thing)).isEqualTo(at.plus(Duration.ofDays(2 + 7)).getEpochSecond());
    }

    @Test
    void aConnectLeavesAMarkOutsideTheIndexThatOutlivesLateDisconnects() {
        String thing = PresenceFixture.uniqueThing("mark");
        Instant connected = clock.instant();

        assertThat(store.connect(thing, connected)).isEqualTo(CheckStore.ConnectOutcome.RECORDED);
        assertThat(store.connect(thing, connected)).isEqualTo(CheckStore.ConnectOutcome.STALE);
        assertThat(store.get(thing)).isEmpty();
        assertThat(store.schedule(thing, connected.minusMillis(1), CheckSource.LIFECYCLE, Optional.empty()))
                .isEqualTo(CheckStore.ScheduleOutcome.STALE);
        assertThat(store.schedule(thing, connected.plusMillis(1), CheckSource.LIFECYCLE, Optional.empty()))
                .isEqualTo(CheckStore.ScheduleOutcome.SCHEDULED);
        assertThat(store.cancel(thing)).isPresent();
        assertThat(store.cancel(thing)).isEmpty();
    }

    @Test
    void lifecycleEventsOfAClientAreOrderedByVersionAndByTimeAcrossAVersionReset() {
        String thing = PresenceFixture.uniqueThing("versions");
        Instant t = clock.instant().truncatedTo(ChronoUnit.MILLIS);

        assertThat(store.connect(thing, stamp(thing, t, 4))).isEqualTo(CheckStore.ConnectOutcome.RECORDED);
        assertThat(store.schedule(thing, stamp(thing, t.minusSeconds(90), 5), CheckSource.LIFECYCLE, Optional.empty()))
                .as("version 5 follows version 4 though stamped earlier").isEqualTo(CheckStore.ScheduleOutcome.SCHEDULED);
        assertThat(store.schedule(thing, stamp(thing, t.minusSeconds(90), 5), CheckSource.LIFECYCLE, Optional.empty()))
                .as("duplicate").isEqualTo(CheckStore.ScheduleOutcome.STALE);
        assertThat(store.connect(thing, stamp(thing, t.plusSeconds(60), 4)))
                .as("version 4 again, stamped later").isEqualTo(CheckStore.ConnectOutcome.STALE);
        assertThat(store.get(thing)).isPresent();
        assertThat(store.connect(thing, stamp(thing, t.minusSeconds(100), 6)))
                .as("version 6 cancels though stamped earlier").isEqualTo(CheckStore.ConnectOutcome.CANCELLED);
        assertThat(store.schedule(thing, stamp(thing, t.plus(Duration.ofHours(2)), 1), CheckSource.LIFECYCLE,
                Optional.empty())).as("after a reset (two hours away) the time decides").isEqualTo(CheckStore.ScheduleOutcome.SCHEDULED);
        assertThat(store.connect(thing, stamp("another-client", t.plus(Duration.ofHours(2)).minusSeconds(1), 99)))
                .as("another client id: the time decides").isEqualTo(CheckStore.ConnectOutcome.STALE);
    }

    @Test
    void aConnectAndADisconnectInTheSameShadowSecondNeverSilenceTheDisconnect() {
        String thing = PresenceFixture.uniqueThing("tie");
        Instant second = clock.instant().truncatedTo(ChronoUnit.SECONDS);

        assertThat(store.connect(thing, second)).isEqualTo(CheckStore.ConnectOutcome.RECORDED);
        assertThat(store.schedule(thing, second, CheckSource.SHADOW, Optional.empty()))
                .as("the disconnect of the same second is kept").isEqualTo(CheckStore.ScheduleOutcome.SCHEDULED);
        assertThat(store.connect(thing, second)).as("nor does a tie cancel it").isEqualTo(CheckStore.ConnectOutcome.STALE);
        assertThat(store.get(thing)).as("the shadow decides when it is due").isPresent();
    }

    private static EventOrder.Stamp stamp(String clientId, Instant at, long version) {
        return new EventOrder.Stamp(at, Optional.of(clientId), Optional.of(version));
    }

    @Test
    void anAlertIsRecordedPublishedOncePerDisconnectAndClosedOnceByALaterConnect() {
        String thing = PresenceFixture.uniqueThing("alerted");
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        store.schedule(thing, at, CheckSource.LIFECYCLE, Optional.of("CONNECTION_LOST"));
        PendingCheck check = store.get(thing).orElseThrow();

        assertThat(store.isPublished(check)).isFalse();
        store.recordPublished(check, "m-1");
        store.recordPublished(check, "m-1");
        assertThat(store.isPublished(check)).isTrue();
        assertThat(store.get(thing)).as("the alert record is not a pending check").contains(check);
        assertThat(store.due(1000)).extracting(PendingCheck::thingName).noneMatch(name -> name.contains("#"));

        assertThat(store.closeAlert(thing, at.minusSeconds(1))).as("a connect from before").isEmpty();
        Optional<AlertRecord> closed = store.closeAlert(thing, at.plusSeconds(60));
        assertThat(closed).hasValueSatisfying(alert -> {
            assertThat(alert.disconnectedAt()).isEqualTo(at);
            assertThat(alert.reason()).contains("CONNECTION_LOST");
        });
        assertThat(store.closeAlert(thing, at.plusSeconds(61))).as("closed once").isEmpty();

        store.reopenAlert(closed.get());
        assertThat(store.closeAlert(thing, at.plusSeconds(62))).as("reopened after a failed notice").isPresent();
    }

    private long expiresAt(String thing) {
        return Long.parseLong(dynamo.getItem(r -> r.tableName(SETTINGS.table())
                .key(Map.of(TableProvisioner.CHECK_KEY, AttributeValue.fromS(thing)))).item()
                .get(TableProvisioner.EXPIRES_AT).n());
    }
}
