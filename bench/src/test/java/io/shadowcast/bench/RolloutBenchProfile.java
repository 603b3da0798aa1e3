package io.shadowcast.bench;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.shadowcast.testing.IotSimulatorResource;
import java.util.List;
import java.util.Map;

/**
 * The service against a simulated IoT endpoint with an account-wide shadow quota of 1,000 updates/s
 * and 20 ms per request; max-rate set to the quota, as an operator would.
 */
public class RolloutBenchProfile implements QuarkusTestProfile {

    static final int QUOTA = 1_000;
    static final int LATENCY_MS = 20;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "shadowcast.rollout.max-rate", Integer.toString(QUOTA),
                "shadowcast.rollout.concurrency", "64",
                "shadowcast.provision.things", "bench-demo");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(IotSimulatorResource.class, Map.of(
                "quota", Integer.toString(QUOTA),
                "latency-ms", Integer.toString(LATENCY_MS),
                "event-loops", "1")));
    }
}
