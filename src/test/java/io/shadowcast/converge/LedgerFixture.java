package io.shadowcast.converge;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shadowcast.rollout.ObjectDigest;
import io.shadowcast.rollout.ObjectRef;
import io.shadowcast.rollout.RolloutRecord;
import io.shadowcast.rollout.RolloutStatus;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.rollout.Targeting;
import io.shadowcast.rollout.Upload;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

/** Helpers the convergence tests share: rollout records with a known hash, reports shaped as the report rule sends them. */
final class LedgerFixture {

    private LedgerFixture() {
    }

    /** A rollout that has hashed its object, as the fan-out sees it when it records its pages. */
    record HashedRollout(String id, String url, String hash) {
    }

    static HashedRollout hashedRollout(RolloutStore store) {
        String key = "converge/" + UUID.randomUUID() + ".bin";
        String hash = UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "");
        Upload upload = Upload.fromS3(new ObjectRef("ledger-tests", key, null, "\"" + hash.substring(0, 32) + "\""),
                Instant.now(), String.format("%016X", System.nanoTime()));
        String owner = UUID.randomUUID().toString();
        RolloutRecord claimed = store.claim(upload, owner).record();
        String id = claimed.id();
        store.saveDigest(id, owner, new ObjectDigest.Digest(hash, 10, null, upload.object().eTag(), Map.of()),
                Targeting.Fleet.ALL);
        store.finish(id, owner, RolloutStatus.SUCCEEDED, null, claimed.counts(), List.of());
        return new HashedRollout(id, "s3://ledger-tests/" + key, hash);
    }

    static List<String> things(String prefix, int count) {
        String unique = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        return IntStream.range(0, count).mapToObj(i -> unique + "-" + i).toList();
    }

    /** The report rule's message for a device that applied this object. */
    static String applied(String thing, String shadowName, String url, String hash) {
        return report(thing, shadowName, url, hash, null);
    }

    /** The report rule's message for a device that failed; {@code hash} may be null (it did not get that far). */
    static String failed(String thing, String shadowName, String url, String hash, String error) {
        return report(thing, shadowName, url, hash, error);
    }

    private static String report(String thing, String shadowName, String url, String hash, String error) {
        ObjectNode root = JsonNodeFactory.instance.objectNode().put("thingName", thing);
        if (shadowName != null) {
            root.put("shadowName", shadowName);
        }
        ObjectNode reported = root.putObject("reported").put("url", url).put("hash", hash);
        if (error == null) {
            reported.putNull("error");
        } else {
            reported.put("error", error);
        }
        return root.put("timestamp", Instant.now().getEpochSecond()).toString();
    }

    static DeviceReport parsed(String body) {
        return new DeviceReportParser(new com.fasterxml.jackson.databind.ObjectMapper()).parse(body);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }
}
