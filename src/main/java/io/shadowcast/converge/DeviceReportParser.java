package io.shadowcast.converge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.sqs.PoisonMessageException;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Reads one report-queue message, the report rule's projection of a shadow documents message:
 * <pre>{"thingName":"t-1","shadowName":"firmware","reported":{"url":"s3://b/k","hash":"…","error":null},"timestamp":1733340000}</pre>
 * Anything that can never be counted (not JSON, no valid thing name, neither hash nor error) is a
 * {@link PoisonMessageException} naming the field, so the dead-letter entry explains itself.
 */
public final class DeviceReportParser {

    /** AWS IoT thing names; {@code #}, which the ledger's own keys use, is never one of them. */
    private static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");
    /** Beyond this an error text is cut: it is kept on the thing's item and shown by the API. */
    static final int MAX_ERROR_LENGTH = 256;
    /** Epoch seconds later than this are milliseconds: a misconfigured rule. */
    private static final long LATEST_SECONDS = 100_000_000_000L;

    private final ObjectMapper json;

    public DeviceReportParser(ObjectMapper json) {
        this.json = json;
    }

    public DeviceReport parse(String body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new PoisonMessageException("report is not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new PoisonMessageException("report is not a JSON object");
        }
        String thingName = text(root, "thingName");
        if (thingName == null) {
            throw new PoisonMessageException("field thingName is missing");
        }
        if (!THING_NAME.matcher(thingName).matches()) {
            throw new PoisonMessageException("field thingName is not a valid thing name: " + abbreviate(thingName));
        }
        JsonNode reported = root.path("reported");
        if (!reported.isObject()) {
            throw new PoisonMessageException("field reported is missing or not an object");
        }
        String hash = text(reported, "hash");
        String error = errorText(reported.get("error"));
        if (hash == null && error == null) {
            throw new PoisonMessageException("field reported has neither hash nor error");
        }
        return new DeviceReport(thingName, text(root, "shadowName"), text(reported, "url"), hash,
                error == null ? null : abbreviate(error, MAX_ERROR_LENGTH), timestamp(root));
    }

    private static Instant timestamp(JsonNode root) {
        JsonNode value = root.get("timestamp");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.canConvertToLong() || value.asLong() <= 0 || value.asLong() > LATEST_SECONDS) {
            throw new PoisonMessageException("field timestamp must be epoch seconds, was " + abbreviate(value.toString()));
        }
        return Instant.ofEpochSecond(value.asLong());
    }

    /** A device may report its error as a string or as any JSON value (a code, an object): kept as text. */
    private static String errorText(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        String text = value.isTextual() ? value.asText() : value.toString();
        return text.isBlank() ? null : text;
    }

    /** The field's text; null when absent, null or empty. A non-text value is poison. */
    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new PoisonMessageException("field " + field + " must be a string, was " + abbreviate(value.toString()));
        }
        return value.asText().isBlank() ? null : value.asText();
    }

    private static String abbreviate(String text) {
        return abbreviate(text, 64);
    }

    private static String abbreviate(String text, int length) {
        return text.length() <= length ? text : text.substring(0, length) + "...";
    }
}
