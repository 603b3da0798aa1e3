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
 * The service is killed (SIGKILL, as an OOM kill or a lost host would) in the middle of a rollout; a new
 * JVM picks up the redelivered message and resumes from the checkpoint. Every thing ends with the new hash
 * and the record's counts add up to the fleet, no thing counted twice or left out.
 */
class CrashResumeIT extends ReplacedInstance {

    /**
     * Three pages: a page's checkpoint is saved once the next page has been handed out, so the first one
     * lands about 500 updates in, leaving the third page's seconds to kill the service in.
     */
    private static final int THINGS = 700;
    private static final String BUCKET = "shadowcast-artifacts";
    private static final Map<String, String> SETTINGS = Map.of(
            "shadowcast.provision.things", "",
            "shadowcast.rollout.max-rate", "50",
            "shadowcast.rollout.concurrency", "8",
            "shadowcast.rollout.lease", "5s",
            "shadowcast.sqs.visibility-timeout", "5s",
            "http.maxConnections", "64");

    @Test
    void aRolloutKilledMidwayIsResumedByTheNextInstanceAndReachesEveryThing() throws Exception {
        first = AppProcess.start("crash-first", moto.endpoint(), "256m", SETTINGS);
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            List<String> things = Fleet.createThings(aws.iot(), THINGS, i -> String.format("crash-%04d", i));
            assertThat(aws.iot().listThings(r -> r.maxResults(250)).things()).isNotEmpty();

            byte[] content = new byte[256 * 1024];
            new Random(8).nextBytes(content);
            String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            String key = "firmware/crash-" + System.nanoTime() + ".bin";
            aws.s3().putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(content));

            JsonNode[] seen = new JsonNode[1];
            Fleet.await("a checkpoint of the running rollout", Duration.ofSeconds(60), () -> {
                seen[0] = Fleet.rolloutOf(first, key).orElse(null);
                return seen[0] != null && seen[0].path("pages").asInt() > 0;
            });
            assertThat(seen[0].path("status").asText()).as("still running at the checkpoint: %s", seen[0]).isEqualTo("RUNNING");
            first.kill();
            long writtenBeforeCrash = seen[0].path("counts").path("updated").asLong();
            assertThat(writtenBeforeCrash).isLessThan(THINGS);

            long restarted = System.nanoTime();
            second = AppProcess.start("crash-second", moto.endpoint(), "256m", SETTINGS);
            JsonNode done = Fleet.awaitFinal(second, key, Duration.ofSeconds(90));
            double resumeSeconds = (System.nanoTime() - restarted) / 1e9;

            assertThat(done.path("status").asText()).as("record %s", done).isEqualTo("SUCCEEDED");
            assertThat(done.path("hash").asText()).isEqualTo(sha256);
            JsonNode counts = done.path("counts");
            assertThat(counts.path("targets").asLong()).as("counts %s", counts).isEqualTo(THINGS);
            assertThat(counts.path("updated").asLong() + counts.path("skipped").asLong()).as("counts %s", counts).isEqualTo(THINGS);
            assertThat(counts.path("failed").asLong()).isZero();
            assertThat(done.path("pages").asInt()).isEqualTo((THINGS + 249) / 250);
            assertThat(second.logText()).containsPattern("Rollout \\S+ of \\S+ \\(sha256 " + sha256 + "\\) resumed after page [1-9]");
            assertThat(Fleet.missingHash(aws.iotData(), things, "s3://" + BUCKET + "/" + key, sha256)).isEmpty();
            System.out.printf("CrashResumeIT: killed after %d of %d updates (page %d); resumed and finished %.1f s after the restart%n",
                    writtenBeforeCrash, THINGS, seen[0].path("pages").asInt(), resumeSeconds);
        }
    }
}
