package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The verdict suppresses only on evidence of a reconnect newer than the disconnect; a device whose
 * shadow still reads disconnected is alerted on, whatever its timestamp did since.
 */
class VerdictTest {

    private static final long EVENT_SECONDS = 1_732_340_000L;

    private static PendingCheck check(CheckSource source, Instant disconnectedAt) {
        return new PendingCheck("t", disconnectedAt, disconnectedAt.plusSeconds(300), 0, source, Optional.empty(),
                disconnectedAt, 1);
    }

    private static PendingCheck shadowCheck() {
        return check(CheckSource.SHADOW, Instant.ofEpochSecond(EVENT_SECONDS));
    }

    private static PendingCheck lifecycleCheck() {
        return check(CheckSource.LIFECYCLE, Instant.ofEpochMilli(EVENT_SECONDS * 1000 + 400));
    }

    @Test
    void shadowStillDisconnectedWithTheSameTimestampAlerts() {
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(false, EVENT_SECONDS), true).alert()).isTrue();
    }

    @Test
    void falseReReportedLaterIsStillTheSameOutageAndAlerts() {
        // firmware or a mirroring rule writes connected:false again: the timestamp moves, no reconnect happened
        Verdict verdict = Verdict.decide(shadowCheck(), ShadowState.of(false, EVENT_SECONDS + 1), true);

        assertThat(verdict.alert()).as("false -> false re-report: %s", verdict).isTrue();
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(false, EVENT_SECONDS + 3600), true).alert()).isTrue();
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(false, null), true).alert()).isTrue();
    }

    @Test
    void lifecycleDisconnectMirroredIntoTheShadowAcrossASecondBoundaryAlerts() {
        // lifecycle event at .400, the rule's mirror lands in the next second: one disconnect, not a change
        Verdict verdict = Verdict.decide(lifecycleCheck(), ShadowState.of(false, EVENT_SECONDS + 1), true);

        assertThat(verdict.alert()).as("mirrored disconnect: %s", verdict).isTrue();
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(false, EVENT_SECONDS), true).alert()).isTrue();
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(false, EVENT_SECONDS - 3600), true).alert()).isTrue();
    }

    @Test
    void reconnectNewerThanTheDisconnectSuppresses() {
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(true, EVENT_SECONDS + 10), true).alert()).isFalse();
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(true, EVENT_SECONDS + 1), true).alert()).isFalse();
    }

    @Test
    void reconnectInTheSameShadowSecondAsAShadowDisconnectSuppresses() {
        // the shadow orders its own writes: connected:true now, stamped the second of the false, was written after it
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(true, EVENT_SECONDS), true).alert()).isFalse();
    }

    @Test
    void aShadowSecondThatTiesALifecycleDisconnectNeverSilencesIt() {
        // connected:true stamped in the second of a disconnect at .400: it may be the connect before it
        Verdict verdict = Verdict.decide(lifecycleCheck(), ShadowState.of(true, EVENT_SECONDS), true);

        assertThat(verdict.alert()).as("tie: %s", verdict).isTrue();
    }

    @Test
    void connectedTrueOlderThanTheDisconnectIsNoEvidenceOfAReconnect() {
        // a device that never mirrors its connectivity: the shadow still shows the connect of last week
        Verdict verdict = Verdict.decide(lifecycleCheck(), ShadowState.of(true, EVENT_SECONDS - 7 * 86_400), true);

        assertThat(verdict.alert()).as("stale connected:true: %s", verdict).isTrue();
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(true, EVENT_SECONDS - 1), true).alert()).isTrue();
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(true, null), true).alert()).isTrue();
    }

    @Test
    void missingShadowOrFieldAlertsOnlyWhenConfigured() {
        assertThat(Verdict.decide(shadowCheck(), ShadowState.missing(), true))
                .isEqualTo(new Verdict(true, Verdict.Reason.NO_SHADOW));
        assertThat(Verdict.decide(shadowCheck(), ShadowState.missing(), false))
                .isEqualTo(new Verdict(false, Verdict.Reason.NO_SHADOW));
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(null, null), true))
                .isEqualTo(new Verdict(true, Verdict.Reason.NO_CONNECTED_FIELD));
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(null, null), false))
                .isEqualTo(new Verdict(false, Verdict.Reason.NO_CONNECTED_FIELD));
    }

    @Test
    void manualChecksFollowTheLifecycleRule() {
        PendingCheck manual = check(CheckSource.MANUAL, Instant.ofEpochSecond(EVENT_SECONDS));

        assertThat(Verdict.decide(manual, ShadowState.of(false, EVENT_SECONDS + 5), true).alert()).isTrue();
        assertThat(Verdict.decide(manual, ShadowState.of(true, EVENT_SECONDS), true).alert()).isTrue();
        assertThat(Verdict.decide(manual, ShadowState.of(true, EVENT_SECONDS + 1), true).alert()).isFalse();
    }
}
