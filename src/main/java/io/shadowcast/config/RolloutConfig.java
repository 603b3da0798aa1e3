package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Rollout fan-out: S3 object → SHA-256 → every target thing's shadow. */
@ConfigMapping(prefix = "shadowcast.rollout")
public interface RolloutConfig {

    /** Turns the rollout queue consumer on or off (a replica may run only one feature). */
    @WithDefault("true")
    boolean enabled();

    /** Queue that receives the bucket's ObjectCreated notifications: a queue name or URL. */
    @WithDefault("shadowcast-rollouts")
    String queue();

    /** Bucket the provisioning step creates and wires to the queue (any bucket whose events reach the queue is served). */
    @WithDefault("shadowcast-artifacts")
    String bucket();

    /** DynamoDB table holding one record per rollout. */
    @WithDefault("shadowcast-rollouts")
    String table();

    /**
     * UpdateThingShadow requests per second, for all rollouts of this replica together. The account
     * quota is shared with the devices' own shadow traffic, so leave headroom below it.
     */
    @WithDefault("500")
    double maxRate();

    /**
     * The most shadow updates in flight at once. The fan-out keeps about max-rate × observed round trip
     * (with headroom) in flight by itself; this only caps it, and sizes the HTTP connection pool.
     */
    @WithDefault("1000")
    int concurrency();

    /** The asynchronous HTTP client of the shadow writes (see docs/rollout.md, "Throughput"). */
    @WithDefault("crt")
    HttpClient httpClient();

    enum HttpClient {
        /** The SDK's Netty client. */
        NETTY,
        /** The AWS Common Runtime client (native code, its own event loop). */
        CRT
    }

    /** Named shadow to write; unset writes the classic (unnamed) shadow. */
    Optional<String> shadowName();

    Target target();

    Payload payload();

    Retry retry();

    Abort abort();

    Waves waves();

    Harm harm();

    Listing listing();

    /**
     * How long a running rollout's claim lasts without a heartbeat. A redelivered message whose rollout
     * is still claimed by a live worker is left for later; one whose claim ran out is resumed.
     */
    @WithDefault("2m")
    Duration lease();

    /**
     * How far the clocks of two replicas may disagree. A rollout takes a shadow slot over from a writer
     * that stopped renewing only this long after the writer's lease ran out by its own clock.
     */
    @WithDefault("5s")
    Duration maxClockSkew();

    /**
     * The longest one shadow write attempt may take before it is abandoned (and retried). A rollout
     * that stopped renewing its shadow slot is taken over only this long after its lease and the clock
     * skew, so that an attempt it started in time has surely ended.
     */
    @WithDefault("10s")
    Duration writeAttemptTimeout();

    /** Which things a rollout writes to; an object may narrow it (see docs/rollout.md, "Targeting"). */
    interface Target {

        /** Only the things of this thing group (ListThingsInThingGroup, recursive). */
        Optional<String> thingGroup();

        /** Only things of this thing type. */
        Optional<String> thingType();

        /** Only things with this attribute, written {@code name=value}. */
        Optional<String> attribute();

        /** Objects under {@code <prefix><group>/} target that thing group; empty turns the rule off. */
        @WithDefault("groups/")
        String groupPrefix();
    }

    /** Extra fields of {@code desired.s3} beside {@code url} and {@code hash}. */
    interface Payload {

        @WithDefault("false")
        boolean includeSize();

        @WithDefault("false")
        boolean includeVersionId();

        @WithDefault("false")
        boolean includeEtag();

        /**
         * Adds {@code httpsUrl}, a presigned GET URL, so a device can fetch without S3 credentials.
         * With temporary credentials (task role, IRSA) the URL stops working when they expire.
         */
        @WithDefault("false")
        boolean presign();

        /** Lifetime of the presigned URL (SigV4 allows at most 7 days). */
        @WithDefault("24h")
        Duration presignExpiry();
    }

    /** Retries of one shadow update on throttling and 5xx: exponential backoff with jitter. */
    interface Retry {

        @WithDefault("8")
        int maxRetries();

        @WithDefault("100ms")
        Duration initialDelay();

        @WithDefault("10s")
        Duration maxDelay();

        /** Random extra or less delay, up to this much, so that throttled requests do not return in step. */
        @WithDefault("100ms")
        Duration jitter();
    }

    /**
     * Requests per second this replica allows itself to the registry's listings (AWS's default account
     * quotas); throttled listings are retried with {@link Retry}. With several replicas, split the quota.
     */
    interface Listing {

        /** ListThings: all-things, thing-type and attribute targets (250 things a page). */
        @WithDefault("10")
        double listThingsRate();

        /** ListThingsInThingGroup: thing-group targets. */
        @WithDefault("25")
        double listThingsInGroupRate();

        /**
         * Keeps the last complete listing of each recent target on local disk, so that the next rollout
         * of it writes at full rate while a fresh listing catches up (see docs/rollout.md, "Target snapshots").
         */
        @WithDefault("true")
        boolean snapshot();

        /** Where the snapshots are kept; unset: a new temporary directory of the process. */
        Optional<java.nio.file.Path> snapshotDirectory();
    }

    /** Stops a rollout that is failing, as AWS IoT Jobs abort criteria do. */
    interface Abort {

        /** Abort when more than this percentage of the attempted things failed; 100 never aborts. */
        @WithDefault("50")
        double failurePercent();

        /** ... but only once this many things were attempted. */
        @WithDefault("50")
        int minAttempts();
    }

    /** Staged rollouts (docs/rollout.md, "Staged waves"): off unless an object, a key prefix or a request asks for waves. */
    interface Waves {

        /**
         * Plans by key prefix: {@code shadowcast.rollout.waves.rules."firmware/"=1%,10%,100%}. The longest
         * prefix of an object's key wins; object metadata and the request's plan come first.
         */
        Map<String, String> rules();

        /** The share of a wave's written things that must report the object applied before the next wave (percent). */
        @WithDefault("90")
        double threshold();

        /** How long after its last write a wave may take to reach the threshold; then the rollout is PAUSED. */
        @WithDefault("1h")
        Duration timeout();

        /** How often the gate looks at a written wave's reports. */
        @WithDefault("5s")
        Duration checkEvery();

        /** ABORTED once failed plus timed-out things reach this percentage of a wave's written things... */
        @WithDefault("50")
        double abortPercent();

        /** ... but only once this many of the wave's things reported or timed out. */
        @WithDefault("10")
        int abortMinThings();
    }

    /** Pause on harm: a wave whose updated devices go offline stops the rollout (docs/rollout.md, "Harm watch"). */
    interface Harm {

        /** PAUSED once more than this percentage of a wave's written things disconnected within the window. */
        @WithDefault("20")
        double disconnectPercent();

        /** A disconnect counts when it happened at most this long after the thing's write. */
        @WithDefault("30m")
        Duration window();

        /** How long a replica keeps its list of the watched rollouts before reading it again. */
        @WithDefault("5s")
        Duration cacheFor();
    }
}
