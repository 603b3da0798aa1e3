package io.shadowcast.join;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.sqs.PoisonMessageException;

/**
 * Reads the AWS IoT registry events that the join rules forward unchanged ({@code SELECT *}):
 *
 * <pre>
 * $aws/events/thing/{thingName}/created|updated
 *   {"eventType":"THING_EVENT","operation":"CREATED|UPDATED|DELETED","thingName":"…","thingTypeName":…,"attributes":{…},…}
 * $aws/events/thingGroupMembership/thingGroup/{groupName}/thing/{thingName}/added
 *   {"eventType":"THING_GROUP_MEMBERSHIP_EVENT","operation":"ADDED|REMOVED",
 *    "groupArn":"arn:aws:iot:…:thinggroup/{groupName}","thingArn":"arn:aws:iot:…:thing/{thingName}",…}
 * </pre>
 *
 * Only the thing's name is taken: its type, attributes and groups are read from the registry when the
 * event is handled, since events arrive late, twice or out of order.
 */
final class RegistryEventParser {

    static final String THING_EVENT = "THING_EVENT";
    static final String MEMBERSHIP_EVENT = "THING_GROUP_MEMBERSHIP_EVENT";
    private static final String THING_ARN_PART = ":thing/";

    private final ObjectMapper json;

    RegistryEventParser(ObjectMapper json) {
        this.json = json;
    }

    /** @throws PoisonMessageException when the body is no registry event this service can read */
    RegistryEvent parse(String body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new PoisonMessageException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new PoisonMessageException("not a JSON object");
        }
        String type = text(root, "eventType");
        String operation = text(root, "operation");
        if (type == null || operation == null) {
            throw new PoisonMessageException("no eventType or operation: not a registry event");
        }
        return switch (type) {
            case THING_EVENT -> thingEvent(root, operation);
            case MEMBERSHIP_EVENT -> membershipEvent(root, operation);
            default -> new RegistryEvent.Ignored(type + " " + operation);
        };
    }

    private static RegistryEvent thingEvent(JsonNode root, String operation) {
        String thing = text(root, "thingName");
        if (thing == null) {
            throw new PoisonMessageException(THING_EVENT + " without thingName");
        }
        if (operation.equals("CREATED") || operation.equals("UPDATED")) {
            return new RegistryEvent.Joined(thing, "thing " + operation.toLowerCase());
        }
        return new RegistryEvent.Ignored("thing " + thing + " " + operation.toLowerCase());
    }

    private static RegistryEvent membershipEvent(JsonNode root, String operation) {
        String thingArn = text(root, "thingArn");
        int at = thingArn == null ? -1 : thingArn.lastIndexOf(THING_ARN_PART);
        if (at < 0 || at + THING_ARN_PART.length() == thingArn.length()) {
            throw new PoisonMessageException(MEMBERSHIP_EVENT + " without a thing ARN (thingArn: " + thingArn + ")");
        }
        String thing = thingArn.substring(at + THING_ARN_PART.length());
        String group = groupOf(text(root, "groupArn"));
        if (operation.equals("ADDED")) {
            return new RegistryEvent.Joined(thing, "added to thing group " + group);
        }
        return new RegistryEvent.Ignored("thing " + thing + " " + operation.toLowerCase() + " thing group " + group);
    }

    private static String groupOf(String groupArn) {
        return groupArn == null ? "?" : groupArn.substring(groupArn.lastIndexOf('/') + 1);
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null || !node.isTextual() || node.asText().isBlank() ? null : node.asText();
    }
}
