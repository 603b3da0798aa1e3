package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
}
