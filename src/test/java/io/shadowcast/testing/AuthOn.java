package io.shadowcast.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The application with the API's bearer token required, and presigned URLs in rollout payloads. */
public class AuthOn implements QuarkusTestProfile {

    public static final String TOKEN = "test-token-4f1c9a7e";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("shadowcast.api.auth.enabled", "true", "shadowcast.api.auth.token", TOKEN,
                "shadowcast.rollout.payload.presign", "true");
    }
}
