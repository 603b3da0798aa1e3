package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The gate's table (docs/rollout.md, "The gate"), row by row, and which row wins when several hold. */
class WaveGateTest {

    private static final WavePlan PLAN = new WavePlan(java.util.List.of(0.02, 0.2, 1.0), 0.9, Duration.ofMinutes(30));
    private static final WaveGate GATE = new WaveGate(50, 10, 20, Duration.ofMinutes(30));
    private static final Duration EARLY = Duration.ofMinutes(1);

    private static WaveGate.Verdict judge(long written, long applied, long failed, long timedOut, long harmed,
            Duration waited) {
        return GATE.judge(PLAN, 0, new DeviceLedger.Convergence(written, applied, failed, timedOut), harmed, waited);
    }

    @Test
    void theNextWaveStartsAtTheThresholdOfTheWrittenThings() {
        assertThat(judge(50, 45, 0, 0, 0, EARLY)).isInstanceOf(WaveGate.Verdict.Next.class);
        assertThat(judge(50, 44, 0, 0, 0, EARLY)).isInstanceOf(WaveGate.Verdict.Wait.class);
        assertThat(judge(0, 0, 0, 0, 0, EARLY)).as("an empty wave").isInstanceOf(WaveGate.Verdict.Next.class);
    }

    @Test
    void aWaveThatMissesItsThresholdPausesAfterItsTimeoutOrAtOnceWhenEveryDeviceReported() {
        assertThat(judge(50, 40, 0, 0, 0, Duration.ofMinutes(30)))
                .isEqualTo(new WaveGate.Verdict.Pause("wave 1: 40 of 50 applied (80 %) < 90 % after 30m", false));
        assertThat(judge(10, 7, 2, 1, 0, EARLY)).isEqualTo(new WaveGate.Verdict.Pause(
                "wave 1: 7 of 10 applied (70 %) < 90 %, every device reported (2 failed, 1 timed out)", false));
        assertThat(judge(10, 7, 2, 0, 0, EARLY)).as("one still pending: the abort rule may yet apply")
                .isInstanceOf(WaveGate.Verdict.Wait.class);
    }

    @Test
    void failedAndTimedOutAtTheAbortPercentAbortOnceEnoughThingsSettled() {
        assertThat(judge(20, 10, 6, 4, 0, EARLY)).isEqualTo(new WaveGate.Verdict.Abort(
                "wave 1: 10 of 20 devices failed or timed out (50 %, at or above the abort threshold of 50 %)"));
        assertThat(judge(8, 0, 8, 0, 0, EARLY)).as("fewer than abort-min-things settled: paused, not aborted")
                .isInstanceOf(WaveGate.Verdict.Pause.class);
    }

    @Test
    void harmComesFirstAndCountsAboveThePercentOnly() {
        assertThat(judge(10, 10, 0, 0, 3, EARLY)).isEqualTo(new WaveGate.Verdict.Pause(
                "wave 1: 3 of 10 updated devices disconnected within 30m", true));
        assertThat(judge(10, 10, 0, 0, 2, EARLY)).as("20 % is not above 20 %").isInstanceOf(WaveGate.Verdict.Next.class);
        assertThat(judge(20, 0, 20, 0, 5, EARLY)).as("harm before abort").isInstanceOf(WaveGate.Verdict.Pause.class);
    }
}
