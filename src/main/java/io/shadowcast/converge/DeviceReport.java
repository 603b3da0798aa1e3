package io.shadowcast.converge;

import java.time.Instant;

/**
 * A change of a device's {@code reported.s3}, as the report rule forwards it.
 *
 * @param shadowName the named shadow it was reported in; null for the classic shadow
 * @param url        the object the device applied or tried, when it says
 * @param hash       the SHA-256 it applied, or (with an error) the one it tried
 * @param error      what went wrong, when the device failed
 * @param reportedAt when the shadow changed (the documents message's timestamp); null when the rule did not say
 */
public record DeviceReport(String thingName, String shadowName, String url, String hash, String error,
        Instant reportedAt) {

    public boolean failed() {
        return error != null;
    }

    /** In words, for the logs. */
    public String describe() {
        return failed() ? "error \"" + error + "\"" + (hash == null ? "" : " for hash " + hash) : "hash " + hash;
    }
}
