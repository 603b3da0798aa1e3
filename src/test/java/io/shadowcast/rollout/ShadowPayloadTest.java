package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.config.RolloutConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShadowPayloadTest {

    private static final String HASH = "a".repeat(64);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void documentHoldsUrlAndHashByDefaultAndClearsEveryOtherField() throws Exception {
        var object = new ObjectRef("artifacts", "dir/fw 1.bin", "v1", "e1");

        JsonNode document = json.readTree(new ShadowPayload(json, options(false)).build(object, digest(), null));

        // null deletes a field from the shadow: nothing an older upload wrote survives next to the new hash
        assertThat(document.toString()).isEqualTo("{\"state\":{\"desired\":{\"s3\":{\"url\":\"s3://artifacts/dir/fw 1.bin\","
                + "\"hash\":\"" + HASH + "\",\"size\":null,\"versionId\":null,\"etag\":null,\"httpsUrl\":null}}}}");
    }

    @Test
    void optionalFieldsAndPresignedUrl() throws Exception {
        var object = new ObjectRef("artifacts", "fw.bin", "v1", "e1");

        JsonNode s3 = json.readTree(new ShadowPayload(json, options(true)).build(object, digest(), "https://signed"))
                .path("state").path("desired").path("s3");

        assertThat(s3.path("size").asLong()).isEqualTo(42);
        assertThat(s3.path("versionId").asText()).isEqualTo("v7");
        assertThat(s3.path("etag").asText()).isEqualTo("etag7");
        assertThat(s3.path("httpsUrl").asText()).isEqualTo("https://signed");
    }

    @Test
    void aDocumentAboveEightKilobytesFailsTheRollout() {
        var payload = new ShadowPayload(json, options(true));
        String longKey = "k".repeat(ShadowPayload.MAX_BYTES);

        assertThat(payload.build(new ObjectRef("b", "k".repeat(7_000), null, null), digest(), null).length)
                .isLessThanOrEqualTo(ShadowPayload.MAX_BYTES);
        assertThatThrownBy(() -> payload.build(new ObjectRef("b", longKey, null, null), digest(), null))
                .isInstanceOf(RolloutFailedException.class)
                .hasMessageContaining("above the 8 KB");
    }

    private static ObjectDigest.Digest digest() {
        return new ObjectDigest.Digest(HASH, 42, "v7", "etag7", Map.of());
    }

    private static RolloutConfig.Payload options(boolean all) {
        return new RolloutConfig.Payload() {
            @Override
            public boolean includeSize() {
                return all;
            }

            @Override
            public boolean includeVersionId() {
                return all;
            }

            @Override
            public boolean includeEtag() {
                return all;
            }

            @Override
            public boolean presign() {
                return all;
            }

            @Override
            public Duration presignExpiry() {
                return Duration.ofHours(1);
            }
        };
    }
}
