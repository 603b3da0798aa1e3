package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the shared SQS consumer loop polls, both for the rollout and the presence queue. */
@ConfigMapping(prefix = "shadowcast.sqs")
public interface SqsConfig {

    /** Long-poll wait per ReceiveMessage call (0 to 20 s); also bounds how long shutdown waits for a poll to return. */
    @WithDefault("20s")
    Duration waitTime();

    /** Visibility timeout given to received messages and renewed while a handler still works on one. */
    @WithDefault("60s")
    Duration visibilityTimeout();

    /** Pause after a failed ReceiveMessage call, doubled on each further failure up to {@link #maxBackoff()}. */
    @WithDefault("1s")
    Duration initialBackoff();

    @WithDefault("60s")
    Duration maxBackoff();

    /** On shutdown, how long running handlers may finish before they are interrupted and their messages released. */
    @WithDefault("20s")
    Duration shutdownGrace();

    /** Messages of the rollout queue handled at the same time (each is a whole rollout). */
    @WithDefault("2")
    int rolloutConcurrency();

    /** Messages of the presence queue handled at the same time. */
    @WithDefault("10")
    int presenceConcurrency();
}
