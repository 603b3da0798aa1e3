package io.shadowcast.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque cursor of a paged listing: where the listing goes on, as a number (an index sort key, a shard)
 * and a name after it, base64url-encoded. Clients pass it back unchanged; anything else is {@link Invalid}.
 */
public record PageCursor(long number, String name) {

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((number + "|" + name).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws Invalid when the text is not a cursor this service hands out */
    public static PageCursor decode(String cursor) {
        String position;
        try {
            position = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Invalid(cursor);
        }
        int bar = position.indexOf('|');
        if (bar <= 0 || bar > 18 || bar == position.length() - 1
                || !position.substring(0, bar).chars().allMatch(Character::isDigit)) {
            throw new Invalid(cursor);
        }
        return new PageCursor(Long.parseLong(position.substring(0, bar)), position.substring(bar + 1));
    }

    /** A cursor that this service did not hand out: answered 400 naming the field {@code cursor}. */
    public static final class Invalid extends IllegalArgumentException {

        public Invalid(String cursor) {
            super("invalid cursor: " + cursor);
        }
    }
}
