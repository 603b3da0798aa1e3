package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/**
 * The optional start-up step that creates every AWS resource shadowcast uses, for emulators and
 * sandboxes. Production accounts get them from {@code deploy/aws/} instead.
 */
@ConfigMapping(prefix = "shadowcast.provision")
public interface ProvisionConfig {

    @WithDefault("false")
    boolean enabled();

    /** Receives before SQS moves a message that keeps failing to the queue's dead-letter queue. */
    @WithDefault("5")
    int maxReceiveCount();

    /** Demo things to create (with an initial reported {@code connected: true} shadow). */
    Optional<List<String>> things();
}
