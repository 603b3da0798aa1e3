package io.shadowcast.presence;

/**
 * Where a pending check came from; it decides which verdict rule applies, because only a
 * shadow-born check carries the shadow's own metadata timestamp to compare with.
 */
public enum CheckSource {
    /** The shadow rule: {@code disconnectedAt} equals the shadow's {@code metadata.reported.connected.timestamp}. */
    SHADOW,
    /** A broker lifecycle event: its time is the broker's, in milliseconds. */
    LIFECYCLE,
    /** {@code POST /checks}: judged like a lifecycle check. */
    MANUAL
}
