package io.shadowcast.presence;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The words of the alert and recovery messages, in one zone. Pure, so the texts are unit-tested. */
public final class AlertText {

    /** SNS rejects longer subjects. */
    static final int MAX_SUBJECT = 100;

    private final DateTimeFormatter format;

    public AlertText(ZoneId zone) {
        this.format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss zzz").withZone(zone);
    }

    public String alertSubject(String thingName) {
        return subject("Disconnected: " + thingName);
    }

    public String alertBody(PendingCheck check, Verdict verdict, Instant now) {
        StringBuilder text = new StringBuilder()
                .append("Thing ").append(check.thingName()).append(" has been disconnected since ")
                .append(format.format(check.disconnectedAt()))
                .append(" (for ").append(duration(Duration.between(check.disconnectedAt(), now))).append(").\n");
        check.reason().ifPresent(reason -> text.append("Disconnect reason: ").append(reason).append(".\n"));
        text.append("Verified at ").append(format.format(now)).append(": ").append(verdict.reason().text()).append(".\n");
        text.append("Source: ").append(sourceText(check.source())).append(".");
        return text.toString();
    }

    public String unverifiableSubject(String thingName) {
        return subject("Could not verify: " + thingName);
    }

    public String unverifiableBody(PendingCheck check, int attempts, Instant now) {
        return "Thing " + check.thingName() + " disconnected at " + format.format(check.disconnectedAt())
                + " could not be verified: " + attempts + " attempts to read its shadow or publish the alert failed"
                + " (last at " + format.format(now) + "). It is no longer watched for this disconnect; see the"
                + " service logs and GET /checks/" + check.thingName() + ".";
    }

    public String recoverySubject(String thingName) {
        return subject("Back online: " + thingName);
    }

    public String recoveryBody(AlertRecord alert, Instant connectedAt) {
        StringBuilder text = new StringBuilder()
                .append("Thing ").append(alert.thingName()).append(" is back online since ")
                .append(format.format(connectedAt))
                .append(" after ").append(duration(Duration.between(alert.disconnectedAt(), connectedAt)))
                .append(" disconnected (since ").append(format.format(alert.disconnectedAt())).append(").");
        alert.reason().ifPresent(reason -> text.append("\nDisconnect reason was: ").append(reason).append("."));
        return text.toString();
    }

    /** "45 seconds", "6 minutes", "2 hours 5 minutes", "3 days 4 hours": two units at most, rounded down. */
    public static String duration(Duration duration) {
        long seconds = Math.max(0, duration.getSeconds());
        long days = seconds / 86_400;
        long hours = seconds % 86_400 / 3_600;
        long minutes = seconds % 3_600 / 60;
        List<String> parts = new ArrayList<>();
        if (days > 0) {
            parts.add(unit(days, "day"));
            if (hours > 0) {
                parts.add(unit(hours, "hour"));
            }
        } else if (hours > 0) {
            parts.add(unit(hours, "hour"));
            if (minutes > 0) {
                parts.add(unit(minutes, "minute"));
            }
        } else if (minutes > 0) {
            parts.add(unit(minutes, "minute"));
        } else {
            parts.add(unit(seconds, "second"));
        }
        return String.join(" ", parts);
    }

    /** Whole minutes, for "back online after N minutes". */
    public static long minutes(Duration duration) {
        return Math.max(0, duration.toMinutes());
    }

    private static String unit(long value, String name) {
        return value + " " + name + (value == 1 ? "" : "s");
    }

    private static String sourceText(CheckSource source) {
        return switch (source) {
            case SHADOW -> "shadow update (reported.connected = false)";
            case LIFECYCLE -> "IoT lifecycle event";
            case MANUAL -> "check scheduled through the API";
        };
    }

    private static String subject(String text) {
        return Optional.of(text).filter(t -> t.length() <= MAX_SUBJECT)
                .orElseGet(() -> text.substring(0, MAX_SUBJECT - 3) + "...");
    }
}
