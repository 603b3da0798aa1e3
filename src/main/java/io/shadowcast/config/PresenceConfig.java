package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
}
