package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ShadowVerifierTest {

    private final ShadowVerifier verifier = new ShadowVerifier(null, new ObjectMapper());

    @Test
    void readsConnectedAndItsMetadataTimestamp() {
        ShadowState state = verifier.parse("""
                {"state":{"reported":{"connected":false,"temp":3}},
                 "metadata":{"reported":{"connected":{"timestamp":1732340000},"temp":{"timestamp":1732340001}}},
                 "version":4,"timestamp":1732340002}""");

        assertThat(state).isEqualTo(ShadowState.of(false, 1732340000L));
    }

    @Test
    void aShadowWithoutConnectedSaysSo() {
        assertThat(verifier.parse("{\"state\":{\"desired\":{\"s3\":{}}},\"version\":1}"))
                .isEqualTo(ShadowState.of(null, null));
        assertThat(verifier.parse("{\"state\":{\"reported\":{\"connected\":\"yes\"}}}").connected()).isEmpty();
    }
}
