package io.shadowcast.presence;

import java.time.Instant;
import java.util.Optional;

/**
 * A connectivity change of one thing, as one of the IoT rules delivers it to the presence queue.
 * Both shapes answer the same questions, so the rest of the feature never looks at the raw JSON.
 */
public sealed interface PresenceEvent permits PresenceEvent.ShadowStateChange, PresenceEvent.Lifecycle {

    String thingName();

    boolean connected();

    /** When the change happened, at the precision of its source (seconds for shadows, ms for the broker). */
    Instant at();

    CheckSource source();

    Optional<String> reason();

    /** Its place in the thing's history, for {@link EventOrder}. */
    EventOrder.Stamp stamp();

    /**
     * The shadow rule's projection of {@code $aws/things/+/shadow/update/documents}:
     * {@code {"thingName","connected","timestamp":<epoch s>}}, the timestamp being the shadow's
     * metadata time of {@code reported.connected}.
     */
    record ShadowStateChange(String thingName, boolean connected, long timestampSeconds) implements PresenceEvent {

        @Override
        public Instant at() {
            return Instant.ofEpochSecond(timestampSeconds);
        }

        @Override
        public CheckSource source() {
            return CheckSource.SHADOW;
        }

        @Override
        public Optional<String> reason() {
            return Optional.empty();
        }

        @Override
        public EventOrder.Stamp stamp() {
            return EventOrder.Stamp.at(at());
        }
    }

    /** An IoT Core lifecycle event from {@code $aws/events/presence/connected|disconnected/<clientId>}. */
    record Lifecycle(String thingName, String clientId, boolean connected, long timestampMillis,
            Optional<String> disconnectReason, Optional<Long> versionNumber) implements PresenceEvent {

        @Override
        public Instant at() {
            return Instant.ofEpochMilli(timestampMillis);
        }

        @Override
        public CheckSource source() {
            return CheckSource.LIFECYCLE;
        }

        @Override
        public Optional<String> reason() {
            return disconnectReason;
        }

        @Override
        public EventOrder.Stamp stamp() {
            return new EventOrder.Stamp(at(), Optional.ofNullable(clientId), versionNumber);
        }
    }
}
