package io.shadowcast.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The application with its IoT clients on an {@link IotSimulator} that throttles every 5th shadow
 * update and answers every 13th with a 500, fast retries, a short lease, a named shadow and every
 * optional payload field. Target snapshots are off: these tests remove their things after each test and
 * count each rollout's targets exactly, while a snapshot would still hold the removed ones (written and
 * counted skipped, as documented); {@code rollout.TargetSnapshotTest} turns them on.
 */
public class SimulatedIot implements QuarkusTestProfile {

    public static final String SHADOW = "firmware";
    public static final int MAX_RETRIES = 10;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("shadowcast.rollout.shadow-name", SHADOW),
                Map.entry("shadowcast.rollout.listing.snapshot", "false"),
                Map.entry("shadowcast.rollout.max-rate", "300"),
                Map.entry("shadowcast.rollout.lease", "2s"),
                Map.entry("shadowcast.rollout.retry.max-retries", Integer.toString(MAX_RETRIES)),
                Map.entry("shadowcast.rollout.retry.initial-delay", "20ms"),
                Map.entry("shadowcast.rollout.retry.jitter", "10ms"),
                Map.entry("shadowcast.rollout.retry.max-delay", "200ms"),
                Map.entry("shadowcast.rollout.payload.include-size", "true"),
                Map.entry("shadowcast.rollout.payload.include-version-id", "true"),
                Map.entry("shadowcast.rollout.payload.include-etag", "true"),
                Map.entry("shadowcast.rollout.payload.presign", "true"),
                Map.entry("shadowcast.rollout.payload.presign-expiry", "15m"));
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(IotSimulatorResource.class,
                Map.of("throttle-every", "5", "server-error-every", "13")));
    }
}
