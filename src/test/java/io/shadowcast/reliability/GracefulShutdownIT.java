package io.shadowcast.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.TestClients;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * SIGTERM during a rollout, as a deployment or a scale-in sends it: the service stops within its shutdown
 * grace, hands the unfinished message back to the queue and gives up the rollout's lease, so a new instance
 * resumes the rollout long before the message's visibility timeout or the lease would have let it.
 */
class GracefulShutdownIT extends ReplacedInstance {

    private static final int THINGS = 300;
    private static final String BUCKET = "shadowcast-artifacts";
    private static final Duration VISIBILITY = Duration.ofSeconds(120);
    /** Longer than the new instance needs to finish: only a released lease lets it resume in time. */
    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);
    private static final Map<String, String> SETTINGS = Map.of(
            "shadowcast.provision.things", "",
            "shadowcast.rollout.max-rate", "20",
            "shadowcast.rollout.concurrency", "8",
            "shadowcast.rollout.lease", LEASE.toSeconds() + "s",
            "shadowcast.sqs.visibility-timeout", VISIBILITY.toSeconds() + "s",
            "shadowcast.sqs.shutdown-grace", SHUTDOWN_GRACE.toSeconds() + "s",
            "http.maxConnections", "64");

    @Test
    void aStoppedInstanceHandsItsRolloutBackAndANewOneResumesItWithoutWaitingForTheVisibilityTimeout() throws Exception {
        first = AppProcess.start("graceful-first", moto.endpoint(), "256m", SETTINGS);
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            List<String> things = Fleet.createThings(aws.iot(), THINGS, i -> String.format("term-%04d", i));
            byte[] content = new byte[128 * 1024];
            new Random(15).nextBytes(content);
            String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            String key = "firmware/term-" + System.nanoTime() + ".bin";
            aws.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(content));

            Fleet.await("the rollout to start", Duration.ofSeconds(60), () -> Fleet.rolloutOf(first, key).isPresent());
            // a third of the way: at 20 updates/s the rollout takes 15 s
            Fleet.sleep(5000);
            JsonNode running = Fleet.rolloutOf(first, key).orElseThrow();
            assertThat(running.path("status").asText()).as("still running: %s", running).isEqualTo("RUNNING");

            long terminated = System.nanoTime();
            first.close();
            double stopSeconds = (System.nanoTime() - terminated) / 1e9;
            assertThat(first.isAlive()).isFalse();
            assertThat(stopSeconds).as("stopped within the shutdown grace and a few seconds of closing")
                    .isLessThan(SHUTDOWN_GRACE.toSeconds() + 10);
            assertThat(first.logText()).contains("Consumer rollout: releasing 1 unfinished messages");

            second = AppProcess.start("graceful-second", moto.endpoint(), "256m", SETTINGS);
            JsonNode done = Fleet.awaitFinal(second, key, VISIBILITY);
            double doneSeconds = (System.nanoTime() - terminated) / 1e9;

            assertThat(doneSeconds).as("resumed and finished before the message's visibility timeout and the rollout's lease ran out")
                    .isLessThan(LEASE.toSeconds());
            assertThat(second.logText()).contains("(sha256 " + sha256 + ") resumed after page");
            assertThat(done.path("status").asText()).as("record %s", done).isEqualTo("SUCCEEDED");
            JsonNode counts = done.path("counts");
            assertThat(counts.path("targets").asLong()).as("counts %s", counts).isEqualTo(THINGS);
            assertThat(counts.path("updated").asLong() + counts.path("skipped").asLong()).as("counts %s", counts).isEqualTo(THINGS);
            assertThat(counts.path("failed").asLong()).isZero();
            assertThat(Fleet.missingHash(aws.iotData(), things, "s3://" + BUCKET + "/" + key, sha256)).isEmpty();
            System.out.printf("GracefulShutdownIT: SIGTERM a third into a %d-thing rollout; stopped in %.1f s; the new instance finished it %.1f s after the SIGTERM%n",
                    THINGS, stopSeconds, doneSeconds);
        }
    }
}
