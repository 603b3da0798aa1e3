package io.shadowcast.presence;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The clock behind every time decision of the disconnect watch (due times, leases, "disconnected
 * for"). A default bean, so a test can put a clock it moves in its place instead of waiting.
 */
@Singleton
public class ClockProducer {

    @Produces
    @Singleton
    @DefaultBean
    Clock clock() {
        return Clock.systemUTC();
    }
}
