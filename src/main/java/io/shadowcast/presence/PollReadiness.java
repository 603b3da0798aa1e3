package io.shadowcast.presence;

import io.shadowcast.config.PresenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while this replica's due-check polling makes progress: DOWN when no poll (nor a round of a
 * long one) has completed for {@value #STALE_INTERVALS} poll intervals, or for one claim lease if that is
 * longer (a round may legitimately take that long). A poller that hangs or keeps failing is then visible.
 */
@Readiness
@ApplicationScoped
public class PollReadiness implements HealthCheck {

    static final int STALE_INTERVALS = 3;

    private final DuePoller poller;
    private final PresenceConfig config;

    PollReadiness(DuePoller poller, PresenceConfig config) {
        this.poller = poller;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("presence-poll");
        if (!config.enabled()) {
            return response.up().withData("polling", "disabled").build();
        }
        Duration since = poller.sinceProgress();
        Duration limit = limit(config);
        return response.status(since.compareTo(limit) <= 0)
                .withData("lastCompletedSecondsAgo", since.toSeconds())
                .withData("downAfterSeconds", limit.toSeconds())
                .build();
    }

    static Duration limit(PresenceConfig config) {
        Duration intervals = config.pollInterval().multipliedBy(STALE_INTERVALS);
        return intervals.compareTo(config.claimLease()) >= 0 ? intervals : config.claimLease();
    }
}
