package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

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
    void shadowStillDisconnectedWithTheSameTimestampNotifies() {
        Verdict verdict = Verdict.decide(shadowCheck(), ShadowState.of(false, EVENT_SECONDS), true);

        assertThat(verdict).isEqualTo(new Verdict(true, Verdict.Reason.STILL_DISCONNECTED));
    }

    @Test
    void shadowReconnectedSuppresses() {
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(true, EVENT_SECONDS + 10), true))
                .isEqualTo(new Verdict(false, Verdict.Reason.RECONNECTED));
    }

    @Test
    void shadowFalseWithAnotherTimestampSuppressesAsChanged() {
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(false, EVENT_SECONDS + 60), true))
                .isEqualTo(new Verdict(false, Verdict.Reason.CHANGED_SINCE));
        assertThat(Verdict.decide(shadowCheck(), ShadowState.of(false, null), true))
                .isEqualTo(new Verdict(false, Verdict.Reason.CHANGED_SINCE));
    }

    @Test
    void missingShadowOrFieldNotifiesOnlyWhenConfigured() {
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
    void lifecycleComparesShadowSecondsWithEventMilliseconds() {
        // shadow written in the same second as the event (before or after it): nothing later is known
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(false, EVENT_SECONDS), true))
                .isEqualTo(new Verdict(true, Verdict.Reason.STILL_DISCONNECTED));
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(false, EVENT_SECONDS - 3600), true))
                .isEqualTo(new Verdict(true, Verdict.Reason.STILL_DISCONNECTED));
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(false, EVENT_SECONDS + 1), true))
                .isEqualTo(new Verdict(false, Verdict.Reason.CHANGED_SINCE));
        assertThat(Verdict.decide(lifecycleCheck(), ShadowState.of(true, EVENT_SECONDS - 100), true))
                .isEqualTo(new Verdict(false, Verdict.Reason.RECONNECTED));
    }

    @Test
    void manualChecksFollowTheLifecycleRule() {
        PendingCheck manual = check(CheckSource.MANUAL, Instant.ofEpochSecond(EVENT_SECONDS));

        assertThat(Verdict.decide(manual, ShadowState.of(false, EVENT_SECONDS - 5), true).alert()).isTrue();
        assertThat(Verdict.decide(manual, ShadowState.of(false, EVENT_SECONDS + 5), true).alert()).isFalse();
    }
}
