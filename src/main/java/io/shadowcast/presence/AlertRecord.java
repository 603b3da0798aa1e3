package io.shadowcast.presence;

import java.time.Instant;
import java.util.Optional;

/** An alert that was sent and not yet closed by a reconnect: what the recovery notice needs. */
public record AlertRecord(String thingName, Instant disconnectedAt, Instant alertedAt, Optional<String> reason) {
}
