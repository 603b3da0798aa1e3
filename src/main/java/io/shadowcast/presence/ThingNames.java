package io.shadowcast.presence;

import io.shadowcast.sqs.PoisonMessageException;
import java.util.regex.Pattern;

/** AWS IoT thing names: {@code [a-zA-Z0-9:_-]{1,128}}. The table's own bookkeeping keys use {@code #}, which no thing name can contain. */
final class ThingNames {

    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    private ThingNames() {
    }

    static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** The name if valid, else a poison-message error naming the field. */
    static String require(String name, String field) {
        if (name == null || name.isBlank()) {
            throw new PoisonMessageException("field " + field + " is missing");
        }
        if (!isValid(name)) {
            throw new PoisonMessageException("field " + field + " is not a valid thing name: " + abbreviate(name));
        }
        return name;
    }

    static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
