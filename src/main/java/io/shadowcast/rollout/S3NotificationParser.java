package io.shadowcast.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.sqs.PoisonMessageException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an S3 event notification as S3 sends it to SQS, or wrapped in an SNS envelope
 * ({@code {"Type":"Notification","Message":"<the S3 JSON>"}}). Anything that is neither is poison:
 * it can never succeed, so it goes to the dead-letter queue instead of being retried.
 */
public final class S3NotificationParser {

    /**
     * The record field by which an event that {@code POST /rollouts} put on the queue names its request:
     * such an upload is identified by the request, not by the object version (see {@link Upload}).
     */
    static final String REQUEST_ID = "shadowcastRequestId";

    /** The message {@code POST /rollouts/{id}/retry} queues: {@code {"retry":"<id>","retryId":"<uuid>","from":"PARTIAL"}}. */
    static final String RETRY = "retry";
    static final String RETRY_ID = "retryId";
    static final String RETRY_FROM = "from";

    /** The message {@code POST /rollouts/{id}/resume} queues: {@code {"resume":"<id>"}}. */
    static final String RESUME = "resume";

    /**
     * The record field by which an event of {@code POST /rollouts} carries the wave plan asked for:
     * an object of strings named as the object metadata would name them ({@link WavePlanRule}).
     */
    static final String PLAN = "shadowcastPlan";

    private final ObjectMapper json;

    public S3NotificationParser(ObjectMapper json) {
        this.json = json;
    }

    public S3Notification parse(String body) {
        JsonNode root = readObject(body, "message body");
        if ("Notification".equals(root.path("Type").asText()) && root.has("Message")) {
            JsonNode message = root.get("Message");
            if (!message.isTextual()) {
                throw new PoisonMessageException("SNS envelope whose Message is not a string");
            }
            root = readObject(message.asText(), "SNS Message");
        }
        if (root.has(RETRY)) {
            String id = root.path(RETRY).asText("");
            String retryId = root.path(RETRY_ID).asText("");
            String from = root.path(RETRY_FROM).asText("");
            if (id.isEmpty() || retryId.isEmpty() || !(from.equals("PARTIAL") || from.equals("ABORTED"))) {
                throw new PoisonMessageException("a retry needs the rollout id (" + RETRY + "), its " + RETRY_ID
                        + " and " + RETRY_FROM + " PARTIAL or ABORTED");
            }
            return new S3Notification.Retry(id, retryId, RolloutStatus.valueOf(from));
        }
        if (root.has(RESUME)) {
            String id = root.path(RESUME).asText("");
            if (id.isEmpty()) {
                throw new PoisonMessageException("a resume needs the rollout id (" + RESUME + ")");
            }
            return new S3Notification.Resume(id);
        }
        if ("s3:TestEvent".equals(root.path("Event").asText())) {
            return new S3Notification.TestEvent(root.path("Bucket").asText(null));
        }
        JsonNode records = root.get("Records");
        if (records == null || !records.isArray() || records.isEmpty()) {
            throw new PoisonMessageException("neither an S3 event notification (Records) nor an s3:TestEvent");
        }
        List<S3EventRecord> parsed = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            parsed.add(record(records.get(i), i));
        }
        return new S3Notification.Records(parsed);
    }

    private S3EventRecord record(JsonNode record, int index) {
        String eventName = text(record, index, "eventName");
        JsonNode s3 = record.path("s3");
        String bucket = text(s3.path("bucket"), index, "s3.bucket.name", "name");
        String key = decodeKey(text(s3.path("object"), index, "s3.object.key", "key"), index);
        // Records say "ObjectCreated:Put"; the configuration's spelling "s3:ObjectCreated:Put" is accepted too.
        String event = eventName.startsWith("s3:") ? eventName.substring(3) : eventName;
        if (!event.startsWith("ObjectCreated:")) {
            return new S3EventRecord.Other(eventName, bucket, key);
        }
        JsonNode object = s3.path("object");
        ObjectRef ref = new ObjectRef(bucket, key, object.path("versionId").asText(null), object.path("eTag").asText(null));
        Instant eventTime = eventTime(text(record, index, "eventTime"), index);
        String requestId = record.path(REQUEST_ID).asText(null);
        Map<String, String> plan = new HashMap<>();
        record.path(PLAN).fields().forEachRemaining(field -> plan.put(field.getKey(), field.getValue().asText()));
        Upload upload = new Upload(ref, eventTime, object.path("sequencer").asText(null), requestId, plan);
        return new S3EventRecord.ObjectCreated(eventName, upload, object.path("size").asLong(-1));
    }

    /** S3 writes ISO-8601 UTC with milliseconds; emulators may leave the zone out, which then means UTC. */
    private static Instant eventTime(String text, int index) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw new PoisonMessageException("record " + index + ": eventTime is not an ISO-8601 time: " + text);
            }
        }
    }

    /**
     * Keys arrive form-encoded: {@code +} is a space, {@code %2B} a plus. Real S3 leaves {@code /}
     * as it is, some emulators encode it too; form decoding handles both.
     */
    private static String decodeKey(String key, int index) {
        try {
            return URLDecoder.decode(key, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new PoisonMessageException("record " + index + ": s3.object.key is not URL-encoded: " + e.getMessage());
        }
    }

    private JsonNode readObject(String text, String what) {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new PoisonMessageException(what + " is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new PoisonMessageException(what + " is not a JSON object");
        }
        return node;
    }

    private static String text(JsonNode node, int index, String field) {
        return text(node, index, field, field);
    }

    private static String text(JsonNode parent, int index, String path, String field) {
        JsonNode value = parent.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new PoisonMessageException("record " + index + " has no " + path);
        }
        return value.asText();
    }
}
