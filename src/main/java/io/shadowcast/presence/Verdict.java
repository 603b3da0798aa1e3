package io.shadowcast.presence;

import java.time.Instant;

/**
 * What to do with a due check, and why. Pure: decided from the check and the shadow alone, so every
 * rule is unit-tested without AWS.
 */
public record Verdict(boolean alert, Reason reason) {

    public enum Reason {
        /** Notify: the shadow still says disconnected, and nothing changed since this disconnect. */
        STILL_DISCONNECTED("the shadow still reports it disconnected"),
        /** The thing has no shadow. */
        NO_SHADOW("the thing has no shadow to verify against"),
        /** The shadow has no {@code reported.connected}. */
        NO_CONNECTED_FIELD("the shadow has no reported.connected to verify against"),
        /** Suppress: the shadow says connected. */
        RECONNECTED("reconnected"),
        /** Suppress: {@code reported.connected} changed after this disconnect; a newer event covers it. */
        CHANGED_SINCE("connectivity changed since");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * The rules of the disconnect watch.
     * <ul>
     * <li>Shadow-rule checks: {@code reported.connected == true} suppresses (reconnected); a
     * {@code metadata.reported.connected.timestamp} other than the event's suppresses (changed since);
     * otherwise the thing is still disconnected: notify.</li>
     * <li>Lifecycle (and hand-made) checks carry the broker's time in milliseconds, never equal to a
     * shadow timestamp: {@code reported.connected == true} or a shadow timestamp (seconds) later than
     * the event's second suppresses; otherwise notify.</li>
     * <li>No shadow, or no {@code reported.connected}: notify saying so when {@code notifyWhenUnverified},
     * else suppress.</li>
     * </ul>
     */
    public static Verdict decide(PendingCheck check, ShadowState shadow, boolean notifyWhenUnverified) {
        if (!shadow.exists()) {
            return new Verdict(notifyWhenUnverified, Reason.NO_SHADOW);
        }
        if (shadow.connected().isEmpty()) {
            return new Verdict(notifyWhenUnverified, Reason.NO_CONNECTED_FIELD);
        }
        if (shadow.connected().get()) {
            return new Verdict(false, Reason.RECONNECTED);
        }
        Instant event = check.disconnectedAt();
        if (check.source() == CheckSource.SHADOW) {
            boolean same = shadow.connectedTimestamp().map(ts -> ts == event.getEpochSecond()).orElse(false);
            return same ? new Verdict(true, Reason.STILL_DISCONNECTED) : new Verdict(false, Reason.CHANGED_SINCE);
        }
        boolean changedLater = shadow.connectedTimestamp().map(ts -> ts > event.getEpochSecond()).orElse(false);
        return changedLater ? new Verdict(false, Reason.CHANGED_SINCE) : new Verdict(true, Reason.STILL_DISCONNECTED);
    }
}
