package io.shadowcast.presence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.sqs.PoisonMessageException;
import java.util.Optional;

/**
 * Reads one presence-queue message body into a {@link PresenceEvent}. Accepts the shadow rule's
 * projection, an IoT lifecycle event, and either of them wrapped in an SNS notification envelope
 * (when a rule publishes to a topic that the queue subscribes to). Anything else is a
 * {@link PoisonMessageException} that names the offending field, so the DLQ entry explains itself.
 */
public final class PresenceEventParser {

    private final ObjectMapper json;

    public PresenceEventParser(ObjectMapper json) {
        this.json = json;
    }

    public PresenceEvent parse(String body) {
        JsonNode root = read(body, "message body");
        if (root.path("Type").asText("").equals("Notification") && root.path("Message").isTextual()) {
            root = read(root.get("Message").asText(), "SNS Message");
        }
        if (!root.isObject()) {
            throw new PoisonMessageException("presence event is not a JSON object");
        }
        if (root.has("eventType")) {
            return lifecycle(root);
        }
        if (root.has("connected")) {
            return shadowChange(root);
        }
        throw new PoisonMessageException(
                "presence event has neither eventType (lifecycle event) nor connected (shadow rule event)");
    }

    private PresenceEvent.ShadowStateChange shadowChange(JsonNode root) {
        String thingName = ThingNames.require(text(root, "thingName"), "thingName");
        JsonNode connected = root.get("connected");
        if (!connected.isBoolean()) {
            throw new PoisonMessageException("field connected must be true or false, was " + connected);
        }
        long seconds = positiveLong(root, "timestamp");
        if (seconds > 100_000_000_000L) {
            // A shadow metadata timestamp is in seconds; milliseconds here mean a misconfigured rule.
            throw new PoisonMessageException("field timestamp must be epoch seconds, was " + seconds);
        }
        return new PresenceEvent.ShadowStateChange(thingName, connected.booleanValue(), seconds);
    }

    private PresenceEvent.Lifecycle lifecycle(JsonNode root) {
        String type = text(root, "eventType");
        boolean connected = switch (type == null ? "" : type) {
            case "connected" -> true;
            case "disconnected" -> false;
            default -> throw new PoisonMessageException(
                    "field eventType must be connected or disconnected, was " + root.get("eventType"));
        };
        String clientId = text(root, "clientId");
        String thingName = Optional.ofNullable(text(root, "thingName")).filter(s -> !s.isBlank()).orElse(clientId);
        ThingNames.require(thingName, text(root, "thingName") != null ? "thingName" : "clientId");
        long millis = positiveLong(root, "timestamp");
        Optional<String> reason = Optional.ofNullable(text(root, "disconnectReason")).filter(s -> !s.isBlank());
        Optional<Long> version = root.path("versionNumber").canConvertToLong()
                ? Optional.of(root.get("versionNumber").asLong()) : Optional.empty();
        return new PresenceEvent.Lifecycle(thingName, clientId, connected, millis, reason, version);
    }

    private JsonNode read(String text, String what) {
        try {
            JsonNode node = json.readTree(text == null ? "" : text);
            if (node == null || node.isMissingNode()) {
                throw new PoisonMessageException(what + " is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new PoisonMessageException(what + " is not JSON: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new PoisonMessageException("field " + field + " must be a string, was " + node);
        }
        return node.asText();
    }

    private static long positiveLong(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new PoisonMessageException("field " + field + " is missing");
        }
        if (!node.canConvertToExactIntegral() || !node.isNumber() || node.asLong() <= 0) {
            throw new PoisonMessageException("field " + field + " must be a positive integer, was " + node);
        }
        return node.asLong();
    }
}
