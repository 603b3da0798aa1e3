package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.time.ZoneId;

/** Disconnect watch: debounced alerts for things that stay disconnected. */
@ConfigMapping(prefix = "shadowcast.presence")
public interface PresenceConfig {

    /** Turns the presence queue consumer and the due-check poller on or off. */
    @WithDefault("true")
    boolean enabled();

    /** Queue that the IoT rule(s) send disconnect and connect events to: a queue name or URL. */
    @WithDefault("shadowcast-presence")
    String queue();

    /** DynamoDB timer table: one pending check per thing. */
    @WithDefault("shadowcast-checks")
    String table();

    /** SNS topic for alerts: a topic ARN or a topic name in the configured account and region. */
    @WithDefault("shadowcast-alerts")
    String topic();

    /**
     * How long a thing may stay disconnected before it is alerted on: any ISO-8601 duration
     * ({@code PT5M}, {@code PT90S}, {@code P2D}) or the short form ({@code 5m}). Kept in the timer
     * table, so it has no upper bound from SQS delays.
     */
    @WithDefault("PT5M")
    Duration grace();

    /** How often each replica looks for due checks. */
    @WithDefault("5s")
    Duration pollInterval();

    /**
     * Partitions of the {@code due} index. A poll queries each one, so more shards spread a large
     * fleet's writes over more index partitions at the price of more (cheap) queries per poll.
     * Changing it strands nothing: the table remembers the largest count any replica used, and every
     * replica polls that many.
     */
    @WithDefault("8")
    int shards();

    /** Due checks claimed per round of a poll; a poll keeps going round while rounds come back full. */
    @WithDefault("100")
    int batchSize();

    /** Claimed checks verified at the same time by one replica. */
    @WithDefault("8")
    int workers();

    /**
     * How long a claim holds a check. A replica that dies while verifying leaves the check due
     * again after this; it must be longer than a GetThingShadow plus an SNS publish take.
     */
    @WithDefault("PT1M")
    Duration claimLease();

    /**
     * Claims of one check (each an attempt to verify it and publish its alert) before it is given up:
     * FAILED, one alert saying the thing could not be verified, no more retries.
     */
    @WithDefault("5")
    int maxAttempts();

    /** Alert when the thing has no shadow, or its shadow has no {@code reported.connected}, instead of staying silent. */
    @WithDefault("true")
    boolean notifyWhenUnverified();

    /** Send one "back online" message when an alerted thing connects again. */
    @WithDefault("true")
    boolean recoveryNotice();

    /** Time zone in which alert texts show times (attributes are always ISO-8601 UTC). */
    @WithDefault("UTC")
    ZoneId zone();

    /**
     * How long the table keeps what is no longer pending (alert records for the recovery notice,
     * connect marks that make late, older disconnects harmless) and how long after its due time an
     * orphaned check survives: the TTL safety net.
     */
    @WithDefault("P7D")
    Duration retention();

    /**
     * How far in the future an event time (or a {@code disconnectedAt} of {@code POST /checks}) may lie:
     * clocks disagree, and AWS stamps lifecycle events only to about ±2 minutes. Later times are refused.
     */
    @WithDefault("PT5M")
    Duration maxClockSkew();
}
