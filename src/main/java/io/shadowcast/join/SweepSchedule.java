package io.shadowcast.join;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.shadowcast.concurrent.DaemonThreads;
import io.shadowcast.config.JoinConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.SlotLease;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * With {@code shadowcast.join.sweep-every} set, sweeps the newest rollout of the shadow slot that often.
 * Every replica sweeps; their sweeps take the slot one after the other, and the second finds every
 * shadow holding the object (reads only).
 */
@ApplicationScoped
public class SweepSchedule {

    private static final Logger LOG = Logger.getLogger(SweepSchedule.class);

    private final JoinConfig config;
    private final JoinWriter joins;
    private final SlotLease slots;
    private final String slot;
    private ScheduledExecutorService timer;

    SweepSchedule(JoinConfig config, RolloutConfig rollout, JoinWriter joins, SlotLease slots) {
        this.config = config;
        this.joins = joins;
        this.slots = slots;
        this.slot = SlotLease.slotOf(rollout.shadowName().orElse(null));
    }

    void onStart(@Observes StartupEvent event) {
        Optional<Duration> every = config.sweepEvery();
        if (every.isEmpty()) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("join-sweep-schedule"));
        long millis = every.get().toMillis();
        timer.scheduleWithFixedDelay(this::sweepNewest, millis, millis, TimeUnit.MILLISECONDS);
        LOG.infof("Sweeping the newest rollout every %s", every.get());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void sweepNewest() {
        try {
            Optional<String> newest = slots.newestRollout(slot);
            if (newest.isPresent()) {
                joins.sweep(newest.get());
            }
        } catch (JoinWriter.SweepRefused notNow) {
            LOG.debugf("Scheduled sweep skipped: %s", notNow.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warnf("Scheduled sweep failed, tried again in %s: %s", config.sweepEvery().orElseThrow(), e.toString());
        }
    }
}
