package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Convergence: what devices report back about the objects the rollouts wrote (docs/rollout.md, "Convergence"). */
@ConfigMapping(prefix = "shadowcast.converge")
public interface ConvergeConfig {

    /** Turns the report queue consumer and the timeout sweep on or off (recording and reading work either way). */
    @WithDefault("true")
    boolean enabled();

    /** Queue the IoT rule sends the devices' {@code reported.s3} changes to: a name or URL. */
    @WithDefault("shadowcast-reports")
    String queue();

    /** Reports handled at the same time. */
    @WithDefault("8")
    int concurrency();

    /** DynamoDB table holding one item per written thing and rollout, and the sharded counters. */
    @WithDefault("shadowcast-ledger")
    String table();

    /** A written thing whose device reported nothing this long after the write counts as timed out. */
    @WithDefault("1h")
    Duration confirmTimeout();

    /** How often each replica looks for written things past their confirm timeout. */
    @WithDefault("1m")
    Duration sweepEvery();

    /** How long the items of a thing's write and the counters are kept (DynamoDB TTL). */
    @WithDefault("30d")
    Duration retention();
}
