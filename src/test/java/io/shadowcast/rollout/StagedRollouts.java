package io.shadowcast.rollout;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.shadowcast.testing.AuthOn;
import java.util.Map;

/**
 * The application with the API's bearer token required, a gate that looks at a wave's reports five times
 * a second, and a message that failed back on its queue after 5 s.
 */
public class StagedRollouts implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("shadowcast.api.auth.enabled", "true", "shadowcast.api.auth.token", AuthOn.TOKEN,
                "shadowcast.rollout.waves.check-every", "200ms",
                "shadowcast.rollout.harm.cache-for", "200ms",
                "shadowcast.rollout.waves.abort-min-things", "3",
                "shadowcast.sqs.visibility-timeout", "5s");
    }
}
