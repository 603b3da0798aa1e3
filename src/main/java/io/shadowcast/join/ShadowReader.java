package io.shadowcast.join;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.config.JoinConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.TokenBucket;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException;

/**
 * Reads which object a thing's shadow holds ({@code desired.s3}), at most {@code sweep-read-rate}
 * reads a second for this replica (the shadow quota counts reads too).
 */
@ApplicationScoped
public class ShadowReader {

    /** The object a shadow's {@code desired.s3} names; both null when it names none. */
    public record Held(String url, String hash) {

        static final Held NOTHING = new Held(null, null);

        /** True when the shadow holds this rollout's object (the other fields follow from it). */
        public boolean isDocumentOf(RolloutRecord rollout) {
            return rollout.url().equals(url) && rollout.hash() != null && rollout.hash().equals(hash);
        }
    }

    private final IotDataPlaneClient iotData;
    private final String shadowName;
    private final TokenBucket reads;
    private final ObjectMapper json;

    ShadowReader(IotDataPlaneClient iotData, RolloutConfig rollout, JoinConfig config, ObjectMapper json) {
        this.iotData = iotData;
        this.shadowName = rollout.shadowName().orElse(null);
        this.reads = new TokenBucket(config.sweepReadRate(), System::nanoTime);
        this.json = json;
    }

    /** What the thing's shadow holds now; {@link Held#NOTHING} when it has no shadow (yet). */
    public Held desired(String thing) throws InterruptedException {
        reads.acquire();
        byte[] document;
        try {
            document = iotData.getThingShadow(r -> r.thingName(thing).shadowName(shadowName)).payload().asByteArray();
        } catch (ResourceNotFoundException noShadow) {
            return Held.NOTHING;
        }
        try {
            JsonNode s3 = json.readTree(document).path("state").path("desired").path("s3");
            return new Held(s3.path("url").textValue(), s3.path("hash").textValue());
        } catch (IOException unreadable) {
            // not our document, whatever it is: writing ours over it is what the rollout wants
            return Held.NOTHING;
        }
    }
}
