package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Things that join a rollout's targets after its own pass: registry events and catch-up sweeps. */
@ConfigMapping(prefix = "shadowcast.join")
public interface JoinConfig {

    /** Turns the join queue consumer on or off (sweeps by request work either way). */
    @WithDefault("true")
    boolean enabled();

    /** Queue the IoT rules send the registry events to (thing created or updated, added to a thing group): a name or URL. */
    @WithDefault("shadowcast-joins")
    String queue();

    /** Join events handled at the same time; their shadow writes take the slot one after the other. */
    @WithDefault("4")
    int concurrency();

    /** How many of the most recent rollouts a joining thing is matched against. */
    @WithDefault("50")
    int rolloutsConsidered();

    /**
     * GetThingShadow requests per second a sweep reads at. Reads and writes share the account's shadow
     * quota: keep this plus {@code shadowcast.rollout.max-rate} below it.
     */
    @WithDefault("100")
    double sweepReadRate();

    /** Shadows a sweep reads (and writes) at the same time. */
    @WithDefault("8")
    int sweepConcurrency();

    /** Sweeps the newest rollout of the shadow slot this often; unset (the default) never sweeps on its own. */
    Optional<Duration> sweepEvery();
}
