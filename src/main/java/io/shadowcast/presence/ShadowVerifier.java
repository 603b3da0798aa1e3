package io.shadowcast.presence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException;

/**
 * Reads a thing's classic shadow at check time. A thing or shadow that does not exist is an answer
 * ({@link ShadowState#missing()}); any other failure propagates, so the check stays claimed until its
 * lease ends and is tried again.
 */
@Singleton
public class ShadowVerifier {

    private final IotDataPlaneClient iotData;
    private final ObjectMapper json;

    public ShadowVerifier(IotDataPlaneClient iotData, ObjectMapper json) {
        this.iotData = iotData;
        this.json = json;
    }

    public ShadowState read(String thingName) {
        String payload;
        try {
            payload = iotData.getThingShadow(r -> r.thingName(thingName)).payload().asUtf8String();
        } catch (ResourceNotFoundException e) {
            return ShadowState.missing();
        }
        return parse(payload);
    }

    ShadowState parse(String payload) {
        try {
            JsonNode root = json.readTree(payload);
            JsonNode connected = root.path("state").path("reported").path("connected");
            JsonNode timestamp = root.path("metadata").path("reported").path("connected").path("timestamp");
            return ShadowState.of(connected.isBoolean() ? connected.booleanValue() : null,
                    timestamp.canConvertToLong() ? timestamp.asLong() : null);
        } catch (IOException e) {
            throw new UncheckedIOException("shadow document is not JSON", e);
        }
    }
}
