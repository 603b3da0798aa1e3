package io.shadowcast.presence;

import java.util.Optional;

/**
 * What the classic shadow says about connectivity: {@code state.reported.connected} and its
 * {@code metadata.reported.connected.timestamp} (epoch seconds).
 */
public record ShadowState(boolean exists, Optional<Boolean> connected, Optional<Long> connectedTimestamp) {

    public static ShadowState missing() {
        return new ShadowState(false, Optional.empty(), Optional.empty());
    }

    public static ShadowState of(Boolean connected, Long timestampSeconds) {
        return new ShadowState(true, Optional.ofNullable(connected), Optional.ofNullable(timestampSeconds));
    }
}
