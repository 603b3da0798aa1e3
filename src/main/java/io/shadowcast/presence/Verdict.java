package io.shadowcast.presence;

import java.util.Optional;

/**
 * What to do with a due check, and why. Pure: decided from the check and the shadow alone, so every
 * rule is unit-tested without AWS.
 *
 * <p>One principle: <b>only evidence of a reconnect newer than the disconnect suppresses</b>. A shadow
 * that still reads {@code connected: false} is the same outage whatever its timestamp did since (a
 * false → false re-report, or a rule mirroring a lifecycle disconnect into the shadow, moves the
 * timestamp without a reconnect), so it is alerted on: re-arming from the newer timestamp would let a
 * device that re-reports {@code false} every few minutes stay unwatched forever. Connect events that
 * arrive through the queue cancel the check before it is due; this verdict is the last look.
 */
public record Verdict(boolean alert, Reason reason) {

    public enum Reason {
        /** Alert: the shadow reports {@code connected: false}. */
        STILL_DISCONNECTED("the shadow still reports it disconnected"),
        /** Alert: the shadow says connected, but not from after the disconnect (a stale or same-second value). */
        CONNECTED_BEFORE_DISCONNECT("the shadow's connected: true is not newer than the disconnect"),
        /** The thing has no shadow. */
        NO_SHADOW("the thing has no shadow to verify against"),
        /** The shadow has no {@code reported.connected}. */
        NO_CONNECTED_FIELD("the shadow has no reported.connected to verify against"),
        /** Suppress: the shadow says connected, written after the disconnect. */
        RECONNECTED("reconnected");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * The rules, in the order they are tried (the table in {@code docs/presence.md}):
     * <ol>
     * <li>No shadow, or no {@code reported.connected}: alert saying so when {@code notifyWhenUnverified},
     * else suppress.</li>
     * <li>{@code connected: false}: alert, whatever the timestamp.</li>
     * <li>{@code connected: true} newer than the disconnect: suppress. For a shadow-rule check, whose time is
     * the shadow's own timestamp of the {@code false}, a {@code true} stamped in the same second or later was
     * written after it (the shadow orders its own writes). For a lifecycle or hand-made check (milliseconds
     * from another clock) the shadow's whole second must be strictly after the disconnect's second: a tie
     * may be the connect just before the disconnect, and a tie never silences a disconnect.</li>
     * <li>Otherwise ({@code true} older than the disconnect, or without a timestamp): alert.</li>
     * </ol>
     */
    public static Verdict decide(PendingCheck check, ShadowState shadow, boolean notifyWhenUnverified) {
        if (!shadow.exists()) {
            return new Verdict(notifyWhenUnverified, Reason.NO_SHADOW);
        }
        if (shadow.connected().isEmpty()) {
            return new Verdict(notifyWhenUnverified, Reason.NO_CONNECTED_FIELD);
        }
        if (!shadow.connected().get()) {
            return new Verdict(true, Reason.STILL_DISCONNECTED);
        }
        return reconnectedAfter(check, shadow.connectedTimestamp())
                ? new Verdict(false, Reason.RECONNECTED)
                : new Verdict(true, Reason.CONNECTED_BEFORE_DISCONNECT);
    }

    private static boolean reconnectedAfter(PendingCheck check, Optional<Long> connectedSecond) {
        long disconnectSecond = check.disconnectedAt().getEpochSecond();
        return connectedSecond.map(second -> check.source() == CheckSource.SHADOW
                ? second >= disconnectSecond
                : second > disconnectSecond).orElse(false);
    }
}
