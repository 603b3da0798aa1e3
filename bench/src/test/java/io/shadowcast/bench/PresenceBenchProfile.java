package io.shadowcast.bench;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The application with its consumer on (the ingest runs through it) and its own poller out of the
 * way: the benchmark drives its own poller so that it can count its calls. Per-thing logs are off.
 */
public class PresenceBenchProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "shadowcast.presence.poll-interval", "24h",
                "shadowcast.rollout.enabled", "false",
                "quarkus.log.category.\"io.shadowcast.presence\".level", "WARN");
    }
}
