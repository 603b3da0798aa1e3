package io.shadowcast.presence;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.shadowcast.config.PresenceConfig;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs this replica's poll every {@code shadowcast.presence.poll-interval}. A poll still running
 * when the next one is due makes that one skip, so polls of one replica never overlap. No exception ends
 * polling: each is logged and the next poll goes on ({@link PollReadiness} reports polls that stop completing).
 */
@Singleton
public class PollSchedule {

    private static final Logger LOG = Logger.getLogger(PollSchedule.class);

    private final DuePoller poller;
    private volatile boolean failing;

    PollSchedule(DuePoller poller) {
        this.poller = poller;
    }

    @Scheduled(identity = "presence-poll", every = "${shadowcast.presence.poll-interval:5s}",
            delayed = "${shadowcast.presence.poll-interval:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = WhenDisabled.class)
    void poll() {
        try {
            DuePoller.Report report = poller.poll();
            if (failing) {
                failing = false;
                LOG.info("Presence poll works again");
            }
            if (report.claimed() > 0 || report.failed() > 0) {
                LOG.infof("Presence poll: %d checks verified (%d alerts, %d suppressed), %d failed, %d taken by others",
                        report.claimed(), report.notified(), report.suppressed(), report.failed(), report.lost());
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            // Whatever it was (DynamoDB unreachable, a bug), the next poll tries again; the checks wait in the
            // table. Logged once per outage, with the stack trace; readiness turns DOWN if polls stop completing.
            if (!failing) {
                failing = true;
                // an AWS failure says enough in its message; anything else is a bug and needs its trace
                LOG.warnf(e instanceof SdkException ? null : e, "Presence poll failed: %s; the next polls try again", e);
            } else {
                LOG.debugf("Presence poll still failing: %s", e);
            }
        }
    }

    /** The poller does nothing while the feature is disabled on this replica. */
    @Singleton
    static class WhenDisabled implements Scheduled.SkipPredicate {

        private final PresenceConfig config;

        WhenDisabled(PresenceConfig config) {
            this.config = config;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return !config.enabled();
        }
    }
}
