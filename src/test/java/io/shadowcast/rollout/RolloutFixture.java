package io.shadowcast.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shadowcast.sqs.ConsumerStats;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.SimulatedIot;
import io.shadowcast.sqs.SqsConsumers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/** Helpers the rollout integration tests share: objects with known hashes, events as S3 sends them, waiting. */
final class RolloutFixture {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RolloutFixture() {
    }

    /**
     * An uploaded object and the SHA-256 the test computed itself.
     *
     * @param object    the object as the emulator's notification names it: its S3 events carry no
     *                  versionId (real S3's do), so the rollout id is derived from the ETag
     * @param versionId the version S3 gave the upload
     */
    record Uploaded(ObjectRef object, String versionId, String sha256, long size, Upload upload) {
    }

    static Uploaded upload(S3Client s3, String bucket, String key, int size, Map<String, String> metadata) {
        byte[] content = new byte[size];
        new Random(key.hashCode() ^ System.nanoTime()).nextBytes(content);
        return upload(s3, bucket, key, content, metadata);
    }

    /**
     * Uploads these bytes. {@code upload} is the upload as real S3 would report it (its time, a sequencer
     * that grows with every upload of this JVM), for tests that send the event themselves.
     */
    static Uploaded upload(S3Client s3, String bucket, String key, byte[] content, Map<String, String> metadata) {
        PutObjectResponse put = s3.putObject(r -> r.bucket(bucket).key(key).metadata(metadata), RequestBody.fromBytes(content));
        ObjectRef object = new ObjectRef(bucket, key, null, put.eTag());
        Upload upload = Upload.fromS3(object, Instant.now(), String.format("%016X", System.nanoTime()));
        return new Uploaded(object, put.versionId(), sha256(content), content.length, upload);
    }

    /** The newest record of this upload (found by key and ETag, as the emulator's own events carry no version). */
    static Optional<RolloutRecord> rolloutOf(RolloutStore store, Uploaded uploaded) {
        return store.listByKey(uploaded.object().bucket(), uploaded.object().key(), 100, null).items().stream()
                .filter(record -> uploaded.object().eTag().equals(record.eTag()))
                .findFirst();
    }

    static RolloutRecord awaitFinal(RolloutStore store, Uploaded uploaded, Duration timeout) {
        await("a record of the upload of " + uploaded.object().url(), timeout, () -> rolloutOf(store, uploaded).isPresent());
        return awaitFinal(store, rolloutOf(store, uploaded).orElseThrow().id(), timeout);
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An S3 ObjectCreated notification for this upload, key form-encoded as S3 does. */
    static String s3Event(Upload upload) {
        ObjectRef object = upload.object();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode record = root.putArray("Records").addObject();
        record.put("eventVersion", "2.1").put("eventSource", "aws:s3").put("eventName", "ObjectCreated:Put")
                .put("eventTime", upload.eventTime().toString());
        ObjectNode s3 = record.putObject("s3");
        s3.putObject("bucket").put("name", object.bucket());
        ObjectNode o = s3.putObject("object").put("key", URLEncoder.encode(object.key(), StandardCharsets.UTF_8));
        if (upload.sequencer() != null) {
            o.put("sequencer", upload.sequencer());
        }
        if (object.versionId() != null) {
            o.put("versionId", object.versionId());
        }
        if (object.eTag() != null) {
            o.put("eTag", object.eTag());
        }
        return root.toString();
    }

    /**
     * A digest that takes {@code extra} longer for the first upload of this key, as a multi-GB object
     * would; install it with {@code QuarkusMock.installMockForType}.
     */
    static ObjectDigest slowFirstDigestOf(S3Client s3, String key, Duration extra) {
        AtomicBoolean slowed = new AtomicBoolean();
        return new ObjectDigest(s3) {
            @Override
            public Digest digest(ObjectRef object) {
                if (object.key().equals(key) && slowed.compareAndSet(false, true)) {
                    sleep(extra.toMillis());
                }
                return super.digest(object);
            }
        };
    }

    static String snsEnvelope(String message) {
        return JSON.createObjectNode().put("Type", "Notification").put("MessageId", "sns-" + System.nanoTime())
                .put("TopicArn", "arn:aws:sns:us-east-1:123456789012:uploads").put("Message", message).toString();
    }

    /** desired.s3 of a shadow document. */
    static JsonNode desiredS3(String shadowDocument) {
        try {
            return JSON.readTree(shadowDocument).path("state").path("desired").path("s3");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the thing's rollout shadow on the simulated endpoint holds this hash in desired.s3. */
    static boolean holds(IotSimulator iot, String thing, String sha256) {
        return iot.shadow(thing, SimulatedIot.SHADOW)
                .map(shadow -> sha256.equals(shadow.path("state").path("desired").path("s3").path("hash").asText()))
                .orElse(false);
    }

    static RolloutRecord awaitFinal(RolloutStore store, String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RolloutRecord last = null;
        while (System.nanoTime() < deadline) {
            last = store.get(id).orElse(null);
            if (last != null && last.status().isFinal()) {
                return last;
            }
            sleep(100);
        }
        throw new AssertionError("rollout " + id + " did not end within " + timeout + "; last seen: " + last);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            sleep(100);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }

    static ConsumerStats rolloutConsumer(SqsConsumers consumers) {
        return consumers.all().stream().filter(c -> c.name().equals("rollout")).findFirst()
                .orElseThrow(() -> new AssertionError("no rollout consumer running")).stats();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
