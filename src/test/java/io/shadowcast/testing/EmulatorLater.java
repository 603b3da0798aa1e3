package io.shadowcast.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The application started while its AWS endpoint does not answer yet: every client points at a
 * reserved free port where the test starts an emulator later. Provisioning is off, as in production.
 */
public class EmulatorLater implements QuarkusTestProfile {

    /** The port the test starts its emulator on. */
    public static final int PORT = MotoServer.freePort();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("shadowcast.provision.enabled", "false",
                "shadowcast.sqs.initial-backoff", "200ms",
                "shadowcast.sqs.max-backoff", "1s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(DeadEndpoints.class));
    }

    public static class DeadEndpoints implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            String endpoint = "http://127.0.0.1:" + PORT;
            Map<String, String> config = new HashMap<>();
            for (String service : List.of("s3", "sqs", "sns", "dynamodb")) {
                config.put("quarkus." + service + ".endpoint-override", endpoint);
            }
            config.put("shadowcast.aws.iot.endpoint-override", endpoint);
            config.put("shadowcast.aws.iot-data.endpoint-override", endpoint);
            return config;
        }

        @Override
        public void stop() {
        }
    }
}
