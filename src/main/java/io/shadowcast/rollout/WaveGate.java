package io.shadowcast.rollout;

import io.shadowcast.config.RolloutConfig;
import java.time.Duration;
import java.util.Locale;

/**
 * The gate between two waves (docs/rollout.md, "The gate"): what a written wave's device reports and
 * disconnects say about going on. The rules, in order; the first that holds decides:
 *
 * <ol>
 * <li><b>Harm</b>: more than {@code harm.disconnect-percent} of the wave's written things disconnected
 * within {@code harm.window} after their write: PAUSED, and an alert.</li>
 * <li><b>Abort</b>: once {@code waves.abort-min-things} of the wave's things reported or timed out, failed
 * plus timed out reach {@code waves.abort-percent} of the written: ABORTED, nothing more is written.</li>
 * <li><b>Next</b>: applied reach the plan's threshold of the written (or nothing was written): the next
 * wave starts.</li>
 * <li><b>Settled</b>: every written thing reported or timed out, and the threshold is not met: PAUSED at
 * once (not merely once enough failed to put it out of reach: reports arrive one by one, and the abort
 * rule must get to see the failures that follow).</li>
 * <li><b>Timeout</b>: the wave's timeout passed since its last write: PAUSED.</li>
 * <li>Otherwise wait and look again.</li>
 * </ol>
 */
final class WaveGate {

    /** What the gate says now. */
    sealed interface Verdict {

        record Next() implements Verdict {
        }

        record Wait() implements Verdict {
        }

        /** @param harm true when the wave's devices went offline (an alert is due) */
        record Pause(String reason, boolean harm) implements Verdict {
        }

        record Abort(String reason) implements Verdict {
        }
    }

    private final double abortPercent;
    private final int abortMinThings;
    private final double harmPercent;
    private final Duration harmWindow;

    WaveGate(double abortPercent, int abortMinThings, double harmPercent, Duration harmWindow) {
        this.abortPercent = abortPercent;
        this.abortMinThings = abortMinThings;
        this.harmPercent = harmPercent;
        this.harmWindow = harmWindow;
    }

    static WaveGate of(RolloutConfig config) {
        return new WaveGate(config.waves().abortPercent(), config.waves().abortMinThings(),
                config.harm().disconnectPercent(), config.harm().window());
    }

    /**
     * @param wave    the written wave, from 0 (reasons number waves from 1)
     * @param harmed  its written things that disconnected within the harm window
     * @param waited  time since its last write
     */
    Verdict judge(WavePlan plan, int wave, DeviceLedger.Convergence reports, long harmed, Duration waited) {
        long written = reports.written();
        String name = "wave " + (wave + 1);
        if (written == 0) {
            return new Verdict.Next();
        }
        if (100.0 * harmed / written > harmPercent) {
            return new Verdict.Pause(String.format(Locale.ROOT, "%s: %d of %d updated devices disconnected within %s",
                    name, harmed, written, WavePlan.words(harmWindow)), true);
        }
        long failing = reports.failed() + reports.timedOut();
        long settled = reports.applied() + failing;
        if (settled >= abortMinThings && 100.0 * failing / written >= abortPercent) {
            return new Verdict.Abort(String.format(Locale.ROOT,
                    "%s: %d of %d devices failed or timed out (%s %%, at or above the abort threshold of %s %%)",
                    name, failing, written, percent(failing, written), number(abortPercent)));
        }
        if (reports.applied() >= plan.threshold() * written) {
            return new Verdict.Next();
        }
        String applied = String.format(Locale.ROOT, "%s: %d of %d applied (%s %%)", name, reports.applied(), written,
                percent(reports.applied(), written));
        String wanted = number(plan.threshold() * 100) + " %";
        if (reports.pending() == 0) {
            return new Verdict.Pause(String.format(Locale.ROOT, "%s < %s, every device reported (%d failed, %d timed out)",
                    applied, wanted, reports.failed(), reports.timedOut()), false);
        }
        if (waited.compareTo(plan.timeout()) >= 0) {
            return new Verdict.Pause(applied + " < " + wanted + " after " + WavePlan.words(plan.timeout()), false);
        }
        return new Verdict.Wait();
    }

    private static String percent(long part, long whole) {
        return number(100.0 * part / whole);
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.1f", value).replaceAll("\\.0$", "");
    }
}
