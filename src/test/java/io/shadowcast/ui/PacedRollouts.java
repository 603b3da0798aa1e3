package io.shadowcast.ui;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.shadowcast.testing.IotSimulatorResource;
import java.util.List;
import java.util.Map;

/**
 * The application with its IoT clients on the in-process IoT simulator and shadow writes paced at
 * 100 per second, so that a rollout to a few hundred things runs for several seconds and its page
 * checkpoints can be watched; DynamoDB calls are recorded by {@link DynamoDbCalls}.
 */
public class PacedRollouts implements QuarkusTestProfile {

    static final int RATE = 100;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("shadowcast.rollout.max-rate", Integer.toString(RATE),
                "quarkus.dynamodb.interceptors", DynamoDbCalls.class.getName());
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(IotSimulatorResource.class));
    }
}
