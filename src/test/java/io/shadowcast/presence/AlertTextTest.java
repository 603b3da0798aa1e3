package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AlertTextTest {

    private static final Instant DISCONNECTED = Instant.parse("2026-11-23T05:00:00Z");

    @Test
    void durationsUseAtMostTwoUnits() {
        assertThat(AlertText.duration(Duration.ofSeconds(45))).isEqualTo("45 seconds");
        assertThat(AlertText.duration(Duration.ofSeconds(61))).isEqualTo("1 minute");
        assertThat(AlertText.duration(Duration.ofMinutes(6))).isEqualTo("6 minutes");
        assertThat(AlertText.duration(Duration.ofMinutes(125))).isEqualTo("2 hours 5 minutes");
        assertThat(AlertText.duration(Duration.ofHours(76).plusMinutes(3))).isEqualTo("3 days 4 hours");
        assertThat(AlertText.duration(Duration.ofDays(1))).isEqualTo("1 day");
        assertThat(AlertText.duration(Duration.ofSeconds(-3))).isEqualTo("0 seconds");
    }

    @Test
    void alertSaysWhoSinceWhenHowLongAndWhyInTheConfiguredZone() {
        PendingCheck check = new PendingCheck("pump-7", DISCONNECTED, DISCONNECTED.plusSeconds(300), 3,
                CheckSource.LIFECYCLE, Optional.of("CONNECTION_LOST"), DISCONNECTED, 1);
        AlertText text = new AlertText(ZoneId.of("Asia/Tokyo"));

        String body = text.alertBody(check, new Verdict(true, Verdict.Reason.NO_SHADOW), DISCONNECTED.plusSeconds(390));

        assertThat(text.alertSubject("pump-7")).isEqualTo("Disconnected: pump-7");
        assertThat(body).contains("Thing pump-7 has been disconnected since 2026-11-23 14:00:00 JST (for 6 minutes).")
                .contains("Disconnect reason: CONNECTION_LOST.")
                .contains("the thing has no shadow to verify against")
                .contains("IoT lifecycle event");
    }

    @Test
    void recoverySaysHowLongItWasGone() {
        AlertText text = new AlertText(ZoneId.of("UTC"));
        AlertRecord alert = new AlertRecord("pump-7", DISCONNECTED, DISCONNECTED.plusSeconds(300), Optional.empty());

        String body = text.recoveryBody(alert, DISCONNECTED.plusSeconds(1260));

        assertThat(text.recoverySubject("pump-7")).isEqualTo("Back online: pump-7");
        assertThat(body).isEqualTo("Thing pump-7 is back online since 2026-11-23 05:21:00 UTC after 21 minutes "
                + "disconnected (since 2026-11-23 05:00:00 UTC).");
    }

    @Test
    void longSubjectsAreCutToWhatSnsAccepts() {
        String name = "x".repeat(128);

        assertThat(new AlertText(ZoneId.of("UTC")).alertSubject(name)).hasSize(AlertText.MAX_SUBJECT).endsWith("...");
    }

    @Test
    void fifoDeduplicationIdsFitSnsLimit() {
        assertThat(Notifier.dedupId("pump-7-1700000000000")).isEqualTo("pump-7-1700000000000");
        assertThat(Notifier.dedupId("x".repeat(128) + "-1700000000000")).hasSize(64).matches("[0-9a-f]+");
    }
}
