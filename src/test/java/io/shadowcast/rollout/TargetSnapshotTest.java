package io.shadowcast.rollout;

import static io.shadowcast.rollout.RolloutFixture.awaitFinal;
import static io.shadowcast.rollout.RolloutFixture.upload;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.SimulatedIot;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A rollout of a target listed before writes from that listing's snapshot at the writes' rate, while a
 * fresh listing, slow on purpose here (one ListThingsInThingGroup call a second), catches what changed.
 */
@QuarkusTest
@TestProfile(TargetSnapshotTest.SlowListing.class)
class TargetSnapshotTest {

    /** The simulated endpoint, with listings paced to one call a second and writes fast. */
    public static class SlowListing extends SimulatedIot {

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("shadowcast.rollout.listing.snapshot", "true");
            config.put("shadowcast.rollout.listing.list-things-in-group-rate", "1");
            config.put("shadowcast.rollout.max-rate", "3000");
            return config;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject S3Client s3;
    @Inject RolloutStore store;
    @Inject RolloutConfig config;
    IotSimulator iot;

    private final List<String> added = new ArrayList<>();

    @AfterEach
    void removeAddedThings() {
        added.forEach(iot::removeThing);
    }

    @Test
    void aLaterRolloutWritesTheSnapshotAtFullRateAndReachesThingsAddedSinceWhileDeletedOnesAreSkipped() {
        String group = "snap-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> before = members(group, "a", 600);
        Map<String, String> target = Map.of(TargetRule.META_GROUP, group);
        RolloutRecord first = awaitFinal(store, upload(s3, config.bucket(), "snap/" + UUID.randomUUID() + ".bin",
                1_000, target), TIMEOUT);
        assertThat(first.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        List<String> joined = members(group, "b", 30);
        List<String> deleted = before.subList(0, 10);
        deleted.forEach(iot::removeThing);

        byte[] content = new byte[1_000];
        new Random(7).nextBytes(content);
        String sha256 = RolloutFixture.sha256(content);
        iot.countUpdatesContaining(sha256);
        iot.resetCounters();
        var uploaded = upload(s3, config.bucket(), "snap/" + UUID.randomUUID() + ".bin", content, target);
        long listingsWhenTheSnapshotWasWritten = -1;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (listingsWhenTheSnapshotWasWritten < 0 && System.nanoTime() < deadline) {
            long listings = iot.listRequests();
            if (iot.updatesContaining(sha256) >= before.size() - deleted.size()) {
                listingsWhenTheSnapshotWasWritten = listings;
            }
            RolloutFixture.sleep(5);
        }
        RolloutRecord second = awaitFinal(store, uploaded, TIMEOUT);

        assertThat(second.status()).isEqualTo(RolloutStatus.SUCCEEDED);
        assertThat(listingsWhenTheSnapshotWasWritten)
                .as("listing calls when the 590 things of the snapshot still there were written (3 list them)")
                .isBetween(0L, 2L);
        assertThat(second.counts().targets()).isEqualTo(600 + 30);
        assertThat(second.counts().updated()).isEqualTo(590 + 30);
        assertThat(second.counts().skipped()).as("deleted since the snapshot").isEqualTo(10);
        assertThat(second.counts().throttledRetries()).as("throttled answers, those of writes that ended skipped too")
                .isEqualTo(iot.throttled());
        List<String> current = new ArrayList<>(before.subList(10, 600));
        current.addAll(joined);
        for (String thing : current) {
            assertThat(iot.shadow(thing, SimulatedIot.SHADOW).orElseThrow().path("state").path("desired").path("s3")
                    .path("hash").asText()).as(thing).isEqualTo(sha256);
        }
        assertThat(deleted).allMatch(thing -> iot.shadow(thing, SimulatedIot.SHADOW).isEmpty());
    }

    private List<String> members(String group, String tag, int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String thing = group + "-" + tag + "-" + i;
            iot.addToGroup(group, thing);
            names.add(thing);
        }
        added.addAll(names);
        return names;
    }
}
