package io.shadowcast.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.MotoServer;
import io.shadowcast.testing.TestClients;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Two service JVMs on the same queues, tables and topic, during two rollouts and 1,000 due disconnect
 * checks: every disconnect alerted exactly once, every shadow written, both replicas at work, every
 * record intact.
 */
class TwoReplicasIT {

    private static final int DISCONNECTED = Integer.getInteger("reliability.disconnects", 1000);
    private static final int THINGS_PER_WAVE = 150;
    private static final String BUCKET = "shadowcast-artifacts";
    private static final Pattern CHECKS_NOTIFIED = Pattern.compile(
            "^shadowcast_presence_checks_total\\{[^}]*outcome=\"notified\"[^}]*} ([0-9.E]+)$", Pattern.MULTILINE);
    private static final Map<String, String> SETTINGS = Map.of(
            "shadowcast.provision.things", "",
            "shadowcast.presence.grace", "PT3S",
            "shadowcast.presence.poll-interval", "1s",
            "shadowcast.sqs.rollout-concurrency", "1",
            "shadowcast.rollout.max-rate", "30",
            "shadowcast.rollout.concurrency", "8",
            "http.maxConnections", "64");

    private MotoServer moto;
    private final List<AppProcess> replicas = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void startEmulator() {
        moto = MotoServer.start();
    }

    @AfterEach
    void stopAll() {
        replicas.forEach(AppProcess::close);
        moto.close();
    }

    @Test
    void twoReplicasShareRolloutsAndDueChecksWithoutDuplicatesOrLosses() throws Exception {
        AppProcess a = AppProcess.start("replica-a", moto.endpoint(), "256m", SETTINGS);
        replicas.add(a);
        // the second replica starts while the fleet is created; provisioning has already run once
        CompletableFuture<AppProcess> startingB = CompletableFuture.supplyAsync(() -> {
            AppProcess b = AppProcess.start("replica-b", moto.endpoint(), "256m", SETTINGS);
            replicas.add(b);
            return b;
        });
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            String alerts = subscribeToAlerts(aws);
            Map<String, List<String>> waves = new HashMap<>();
            for (String type : List.of("wave-a", "wave-b")) {
                aws.iot().createThingType(r -> r.thingTypeName(type));
                List<String> names = new ArrayList<>();
                for (int i = 0; i < THINGS_PER_WAVE; i++) {
                    names.add(type + "-" + i);
                }
                Fleet.parallel(names, name -> aws.iot().createThing(r -> r.thingName(name).thingTypeName(type)));
                waves.put(type, names);
            }
            Map<String, Long> disconnectedAt = new ConcurrentHashMap<>();
            List<String> watched = Fleet.createThings(aws.iot(), DISCONNECTED, i -> String.format("pump-%04d", i));
            Fleet.parallel(watched, thing -> disconnectedAt.put(thing, reportDisconnected(aws, thing)));
            AppProcess b = startingB.join();

            long started = System.nanoTime();
            Map<String, String> hashes = new HashMap<>();
            Map<String, String> keys = new HashMap<>();
            for (String type : waves.keySet()) {
                byte[] content = new byte[64 * 1024];
                new Random(type.hashCode()).nextBytes(content);
                String key = "firmware/" + type + "-" + System.nanoTime() + ".bin";
                aws.s3().putObject(r -> r.bucket(BUCKET).key(key).metadata(Map.of("shadowcast-thing-type", type)),
                        RequestBody.fromBytes(content));
                hashes.put(type, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
                keys.put(type, key);
                // Both uploads write the one shadow slot. Disjoint targets do not cover each other, so the
                // newer waits for the older to finish; but an older upload handled after a newer one entered
                // the slot would be superseded as a whole (docs/rollout.md, "Ordering"). The next upload
                // therefore follows once this one has been hashed and entered the slot.
                Fleet.await("the rollout of " + key + " to be hashed", Duration.ofMinutes(1),
                        () -> Fleet.rolloutOf(a, key).filter(record -> record.hasNonNull("hash")).isPresent());
                Fleet.sleep(1000);
            }
            sendDisconnectEvents(aws, disconnectedAt);
            double sentAfter = (System.nanoTime() - started) / 1e9;

            List<JsonNode> received = new ArrayList<>();
            Set<String> alerted = new TreeSet<>();
            Fleet.await(DISCONNECTED + " alerts", Duration.ofMinutes(4), Duration.ofSeconds(1), () -> {
                for (JsonNode alert : drain(aws, alerts)) {
                    received.add(alert);
                    alerted.add(alert.path("MessageAttributes").path("thingName").path("Value").asText());
                }
                return alerted.size() >= DISCONNECTED;
            });
            double alertedAfter = (System.nanoTime() - started) / 1e9;
            Map<String, JsonNode> records = new HashMap<>();
            for (String type : waves.keySet()) {
                records.put(type, Fleet.awaitFinal(a, keys.get(type), Duration.ofMinutes(2)));
            }
            double rolledOutAfter = (System.nanoTime() - started) / 1e9;
            // a few more polls of both replicas: a duplicate would show up now
            Fleet.sleep(4000);
            received.addAll(drain(aws, alerts));

            assertThat(received).as("one alert per disconnect, none twice").hasSize(DISCONNECTED);
            assertThat(alerted).containsExactlyInAnyOrderElementsOf(watched);
            for (JsonNode alert : received) {
                JsonNode attributes = alert.path("MessageAttributes");
                String thing = attributes.path("thingName").path("Value").asText();
                assertThat(attributes.path("event").path("Value").asText()).isEqualTo("disconnected");
                assertThat(Instant.parse(attributes.path("disconnectedAt").path("Value").asText()))
                        .as("disconnect time of %s", thing).isEqualTo(Instant.ofEpochSecond(disconnectedAt.get(thing)));
            }
            assertThat(Fleet.get(a, "/checks").path("checks")).as("no check left pending").isEmpty();

            for (String type : waves.keySet()) {
                JsonNode record = records.get(type);
                assertThat(record.path("status").asText()).as("record %s", record).isEqualTo("SUCCEEDED");
                assertThat(record.path("hash").asText()).isEqualTo(hashes.get(type));
                assertThat(record.path("counts").path("targets").asLong()).as("record %s", record).isEqualTo(THINGS_PER_WAVE);
                assertThat(record.path("counts").path("updated").asLong()).as("record %s", record).isEqualTo(THINGS_PER_WAVE);
                assertThat(record.path("counts").path("failed").asLong()).isZero();
                assertThat(Fleet.rolloutOf(b, keys.get(type)).orElseThrow()).as("both replicas read the same record").isEqualTo(record);
                assertThat(Fleet.missingHash(aws.iotData(), waves.get(type), "s3://" + BUCKET + "/" + keys.get(type), hashes.get(type)))
                        .isEmpty();
            }

            double notifiedByA = notified(a);
            double notifiedByB = notified(b);
            assertThat(notifiedByA + notifiedByB).isEqualTo(DISCONNECTED);
            assertThat(notifiedByA).as("replica A alerted some").isPositive();
            assertThat(notifiedByB).as("replica B alerted some").isPositive();
            assertThat(rolloutsStarted(a) + rolloutsStarted(b)).isEqualTo(2);
            assertThat(rolloutsStarted(a)).as("replica A ran a rollout").isEqualTo(1);
            assertThat(rolloutsStarted(b)).as("replica B ran a rollout").isEqualTo(1);
            System.out.printf("TwoReplicasIT: %d events sent after %.1f s, all %d alerted after %.1f s (A %.0f, B %.0f), "
                    + "2 x %d-thing rollouts done after %.1f s%n", DISCONNECTED, sentAfter, DISCONNECTED, alertedAfter,
                    notifiedByA, notifiedByB, THINGS_PER_WAVE, rolledOutAfter);
        }
    }

    /** Sets reported.connected=false and returns the shadow's metadata timestamp of it (epoch s), as the shadow rule reads it. */
    private static long reportDisconnected(TestClients aws, String thing) {
        String response = aws.iotData().updateThingShadow(r -> r.thingName(thing)
                .payload(SdkBytes.fromUtf8String("{\"state\":{\"reported\":{\"connected\":false}}}"))).payload().asUtf8String();
        try {
            JsonNode timestamp = Fleet.JSON.readTree(response).path("metadata").path("reported").path("connected").path("timestamp");
            if (timestamp.canConvertToLong() && timestamp.asLong() > 0) {
                return timestamp.asLong();
            }
            String shadow = aws.iotData().getThingShadow(r -> r.thingName(thing)).payload().asUtf8String();
            return Fleet.JSON.readTree(shadow).path("metadata").path("reported").path("connected").path("timestamp").asLong();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The shadow rule's events, as the IoT rule would put them on the presence queue, ten per call. */
    private static void sendDisconnectEvents(TestClients aws, Map<String, Long> disconnectedAt) {
        String queue = aws.sqs().getQueueUrl(r -> r.queueName("shadowcast-presence")).queueUrl();
        List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
        for (Map.Entry<String, Long> event : new java.util.TreeMap<>(disconnectedAt).entrySet()) {
            String body = Fleet.JSON.createObjectNode().put("thingName", event.getKey()).put("connected", false)
                    .put("timestamp", event.getValue()).toString();
            batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(batch.size())).messageBody(body).build());
            if (batch.size() == 10) {
                List<SendMessageBatchRequestEntry> entries = List.copyOf(batch);
                assertThat(aws.sqs().sendMessageBatch(r -> r.queueUrl(queue).entries(entries)).failed()).isEmpty();
                batch.clear();
            }
        }
        assertThat(batch).isEmpty();
    }

    private static String subscribeToAlerts(TestClients aws) {
        String topic = aws.sns().createTopic(r -> r.name("shadowcast-alerts")).topicArn();
        String url = aws.sqs().createQueue(r -> r.queueName("replicas-alerts")).queueUrl();
        String arn = aws.sqs().getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        aws.sns().subscribe(r -> r.topicArn(topic).protocol("sqs").endpoint(arn));
        return url;
    }

    /**
     * The SNS envelopes on the queue now. Each read batch is deleted: the emulator walks the whole queue on
     * every receive, so a queue kept shallow leaves it time for the replicas.
     */
    private static List<JsonNode> drain(TestClients aws, String queueUrl) {
        List<JsonNode> envelopes = new ArrayList<>();
        while (true) {
            var messages = aws.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(0)
                    .visibilityTimeout(3600)).messages();
            if (messages.isEmpty()) {
                return envelopes;
            }
            List<DeleteMessageBatchRequestEntry> read = new ArrayList<>();
            for (var message : messages) {
                try {
                    envelopes.add(Fleet.JSON.readTree(message.body()));
                } catch (java.io.IOException e) {
                    throw new AssertionError("not an SNS envelope: " + message.body(), e);
                }
                read.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(read.size()))
                        .receiptHandle(message.receiptHandle()).build());
            }
            aws.sqs().deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(read));
        }
    }

    private static double notified(AppProcess app) {
        Matcher matcher = CHECKS_NOTIFIED.matcher(Fleet.text(app, "/q/metrics"));
        double total = 0;
        while (matcher.find()) {
            total += Double.parseDouble(matcher.group(1));
        }
        return total;
    }

    private static long rolloutsStarted(AppProcess app) {
        return app.logText().lines().filter(line -> line.contains("RolloutService") && line.contains(") started:")).count();
    }
}
