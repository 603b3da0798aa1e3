package io.shadowcast.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shadowcast.rollout.WavePlan;
import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.TestClients;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * A staged rollout whose worker is killed (SIGKILL) while it writes its first wave: the next JVM resumes
 * that wave from its checkpoint with its counts, writes nothing of the second wave before the first
 * one's devices report the object applied (on the report queue, in the IoT rule's shape), then the rest.
 */
class WaveCrashIT extends ReplacedInstance {

    private static final int THINGS = 700;
    private static final String BUCKET = "shadowcast-artifacts";
    private static final Map<String, String> SETTINGS = Map.of(
            "shadowcast.provision.things", "",
            "shadowcast.rollout.max-rate", "30",
            "shadowcast.rollout.concurrency", "8",
            "shadowcast.rollout.lease", "5s",
            "shadowcast.rollout.waves.check-every", "500ms",
            "shadowcast.sqs.visibility-timeout", "5s",
            "http.maxConnections", "64");

    @Test
    void aWorkerKilledMidWaveIsResumedInThatWaveWithItsCountsAndTheGateStillHolds() throws Exception {
        first = AppProcess.start("wave-crash-first", moto.endpoint(), "256m", SETTINGS);
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            List<String> things = Fleet.createThings(aws.iot(), THINGS, i -> String.format("wave-%04d", i));
            byte[] content = new byte[64 * 1024];
            new Random(14).nextBytes(content);
            String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            String key = "firmware/waves-" + System.nanoTime() + ".bin";
            String url = "s3://" + BUCKET + "/" + key;
            aws.s3().putObject(r -> r.bucket(BUCKET).key(key).metadata(Map.of("shadowcast-waves", "50%,100%")),
                    RequestBody.fromBytes(content));

            JsonNode[] seen = new JsonNode[1];
            Fleet.await("a checkpoint within the first wave", Duration.ofSeconds(60), () -> {
                seen[0] = Fleet.rolloutOf(first, key).orElse(null);
                return seen[0] != null && seen[0].path("pages").asInt() > 0;
            });
            assertThat(seen[0].path("waves").path("stage").asText()).as("mid-wave: %s", seen[0]).isEqualTo("WRITING");
            first.kill();
            String id = seen[0].path("id").asText();
            WavePlan plan = new WavePlan(List.of(0.5, 1.0), 0.9, Duration.ofHours(1));
            Set<String> firstWave = new HashSet<>(things.stream().filter(t -> plan.waveOf(id, t) == 0).toList());
            assertThat(seen[0].path("counts").path("updated").asLong()).isLessThan(firstWave.size());

            second = AppProcess.start("wave-crash-second", moto.endpoint(), "256m", SETTINGS);
            Fleet.await("the first wave written and watched", Duration.ofSeconds(90), () -> {
                seen[0] = Fleet.rolloutOf(second, key).orElse(null);
                return seen[0] != null && seen[0].path("waves").path("stage").asText().equals("WATCHING");
            });
            JsonNode counts = seen[0].path("counts");
            assertThat(counts.path("targets").asLong()).as("counts %s", counts).isEqualTo(firstWave.size());
            assertThat(counts.path("updated").asLong()).as("counts %s", counts).isEqualTo(firstWave.size());
            assertThat(second.logText()).containsPattern("Rollout " + id + " of \\S+ \\(sha256 " + sha256
                    + "\\) resumed after page [1-9] in wave 1");
            Fleet.sleep(2_000);
            List<String> holding = things.stream().filter(t -> Fleet.missingHash(aws.iotData(), List.of(t), url, sha256)
                    .isEmpty()).toList();
            assertThat(new HashSet<>(holding)).as("nothing outside the first wave before its reports").isEqualTo(firstWave);

            report(aws, List.copyOf(firstWave), url, sha256);
            JsonNode done = Fleet.awaitFinal(second, key, Duration.ofSeconds(120));

            assertThat(done.path("status").asText()).as("record %s", done).isEqualTo("SUCCEEDED");
            assertThat(done.path("counts").path("targets").asLong()).isEqualTo(THINGS);
            assertThat(done.path("counts").path("updated").asLong()).isEqualTo(THINGS);
            assertThat(Fleet.missingHash(aws.iotData(), things, url, sha256)).isEmpty();
        }
    }

    /** Each device reports the object applied, as the IoT rule forwards a change of reported.s3. */
    private static void report(TestClients aws, List<String> things, String url, String sha256) {
        String queue = aws.sqs().getQueueUrl(r -> r.queueName("shadowcast-reports")).queueUrl();
        for (int from = 0; from < things.size(); from += 10) {
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (String thing : things.subList(from, Math.min(things.size(), from + 10))) {
                String body = Fleet.JSON.createObjectNode().put("thingName", thing)
                        .<com.fasterxml.jackson.databind.node.ObjectNode>set("reported",
                                Fleet.JSON.createObjectNode().put("url", url).put("hash", sha256))
                        .put("timestamp", Instant.now().getEpochSecond()).toString();
                batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(batch.size())).messageBody(body).build());
            }
            aws.sqs().sendMessageBatch(r -> r.queueUrl(queue).entries(batch));
        }
    }
}
