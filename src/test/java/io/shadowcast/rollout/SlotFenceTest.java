package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SlotFenceTest {

    @Test
    void openUntilItsLeaseMinusAnAttemptHasPassedByTheLocalClock() {
        long now = System.nanoTime();
        var fence = new SlotLease.Fence(now, Duration.ofMillis(200));

        assertThat(fence.isOpen()).isTrue();
        assertThat(new SlotLease.Fence(now - Duration.ofMillis(201).toNanos(), Duration.ofMillis(200)).isOpen())
                .as("a lease renewed too long ago").isFalse();
        RolloutFixture.sleep(250);
        assertThat(fence.isOpen()).isFalse();
        fence.renewed(System.nanoTime());
        assertThat(fence.isOpen()).as("renewed").isTrue();
        fence.renewed(now);
        assertThat(fence.isOpen()).as("an older renewal does not shorten it").isTrue();
    }

    @Test
    void closedStaysClosed() {
        var fence = new SlotLease.Fence(System.nanoTime(), Duration.ofDays(1));

        fence.close();
        fence.renewed(System.nanoTime());

        assertThat(fence.isOpen()).isFalse();
    }

    @Test
    void aWriteThatFoundTheFenceShutWaitsForALateRenewalButGivesUpOnAClosedFenceOrAfterALease() {
        long now = System.nanoTime();
        var late = new SlotLease.Fence(now - Duration.ofMillis(300).toNanos(), Duration.ofMillis(200));

        assertThat(late.isOpen()).isFalse();
        assertThat(late.givesUp(now)).as("shut only just now: wait for the renewal").isFalse();
        assertThat(late.givesUp(now - Duration.ofMillis(201).toNanos())).as("shut for a whole lease").isTrue();
        var closed = new SlotLease.Fence(now, Duration.ofDays(1));
        closed.close();
        assertThat(closed.givesUp(now)).as("closed for good").isTrue();
    }

    @Test
    void sequencersCompareAsPaddedHexAndTimesAcrossKeys() {
        var t = java.time.Instant.parse("2026-12-01T10:00:00Z");
        var older = new UploadOrder("a", t.plusSeconds(5), "s3://b/k", "0055AED6DCD90281E5");
        var newer = new UploadOrder("b", t, "s3://b/k", "0055AED6DCD90281E6");
        var longer = new UploadOrder("c", t, "s3://b/k", "10055AED6DCD90281E5");

        assertThat(newer.isNewerThan(older)).as("one key: the sequencer decides, not the time").isTrue();
        assertThat(longer.isNewerThan(newer)).as("a longer sequencer is left-padded").isTrue();
        assertThat(new UploadOrder("d", t.plusSeconds(1), "s3://b/other", "00").isNewerThan(older))
                .as("across keys: the event time").isFalse();
        assertThat(older.isNewerThan(older)).isFalse();
    }
}
