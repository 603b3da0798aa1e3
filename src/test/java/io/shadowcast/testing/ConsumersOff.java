package io.shadowcast.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The application with every feature consumer off, for tests that read the queues themselves. */
public class ConsumersOff implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("shadowcast.rollout.enabled", "false", "shadowcast.presence.enabled", "false",
                "shadowcast.join.enabled", "false");
    }
}
