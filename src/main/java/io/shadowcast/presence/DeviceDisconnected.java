package io.shadowcast.presence;

import java.time.Instant;

/**
 * A CDI event fired, synchronously, each time the disconnect watch accepts a disconnect of a thing (a
 * new check scheduled, or an older one replaced), at ingest, before any grace period: events, not
 * alerts. A duplicate or older event, which the watch refuses as stale, fires nothing. This is the only
 * thing the rollout feature takes from presence (its harm watch, docs/rollout.md).
 *
 * @param at when the thing disconnected, as its event says
 */
public record DeviceDisconnected(String thing, Instant at) {
}
