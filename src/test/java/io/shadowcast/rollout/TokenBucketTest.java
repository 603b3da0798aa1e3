package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private static final long MS = 1_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000 * MS);

    @Test
    void burstIsFreeThenTokensComeAtTheRate() {
        TokenBucket bucket = new TokenBucket(1000, clock::get); // burst 5 (5 ms), then one every ms

        for (int i = 0; i < 5; i++) {
            assertThat(bucket.reserve()).as("burst token %d", i).isZero();
        }
        assertThat(bucket.reserve()).isEqualTo(1 * MS);
        assertThat(bucket.reserve()).isEqualTo(2 * MS);
        assertThat(bucket.reserve()).isEqualTo(3 * MS);
    }

    @Test
    void waitingCallersAreServedInOrderAndTimeRepaysTheDebt() {
        TokenBucket bucket = new TokenBucket(10_000, clock::get); // burst 50
        for (int i = 0; i < 50; i++) {
            bucket.reserve();
        }
        assertThat(bucket.reserve()).isEqualTo(MS / 10);

        clock.addAndGet(MS / 10); // the waiter's token is now due, nothing spare
        assertThat(bucket.reserve()).isEqualTo(MS / 10);

        clock.addAndGet(1_000 * MS); // a long pause refills only up to the burst
        for (int i = 0; i < 50; i++) {
            assertThat(bucket.reserve()).isZero();
        }
        assertThat(bucket.reserve()).isPositive();
    }

    @Test
    void sustainedRateMatchesTheConfiguredRate() {
        TokenBucket bucket = new TokenBucket(2_000, clock::get);
        long start = clock.get();
        int granted = 0;
        // a caller that sleeps exactly as told, for one simulated second
        while (clock.get() - start < 1_000 * MS) {
            clock.addAndGet(bucket.reserve());
            granted++;
        }
        assertThat(granted).isBetween(2_000, 2_011); // 2,000 per second plus the burst of 10
    }

    @Test
    void rateChangesApplyToTheNextReservation() {
        TokenBucket bucket = new TokenBucket(10, clock::get); // burst 1
        bucket.reserve();
        assertThat(bucket.reserve()).isEqualTo(100 * MS);

        bucket.setRate(100);

        assertThat(bucket.rate()).isEqualTo(100);
        assertThat(bucket.reserve()).isEqualTo(20 * MS); // in debt by two tokens at 10 ms each
        assertThatThrownBy(() -> bucket.setRate(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void slotsThatPassedWhileTheProcessStoodStillLeaveAsOneBurstAtMostAndTheRestTakeNewSlots() {
        TokenBucket bucket = new TokenBucket(1000, clock::get); // one every ms, departures at most 50 ms ahead
        long[] due = new long[400];
        for (int i = 0; i < due.length; i++) {
            due[i] = clock.get() + bucket.reserve();
        }
        // the first 100 leave on time, then the process stands still for 150 ms
        for (int i = 0; i < 100; i++) {
            clock.set(due[i]);
            assertThat(bucket.depart()).as("on time, write %d", i).isZero();
        }
        clock.set(due[99] + 150 * MS);
        int sentAtOnce = 0;
        long latestWait = 0;
        for (int i = 100; i < 250; i++) { // all whose slots passed fire together
            long wait = bucket.depart();
            if (wait == 0) {
                sentAtOnce++;
            } else {
                assertThat(wait).as("a new slot, behind the others").isGreaterThan(latestWait);
                latestWait = wait;
            }
        }
        assertThat(sentAtOnce).as("the 50 ms ahead the departures may get, not the 150 that were due").isBetween(50, 51);
        assertThat(latestWait).as("the 99 held back wait behind the 150 slots still reserved")
                .isBetween(240 * MS, 260 * MS);
    }

    @Test
    void departuresThatKeepToTheRateAreNeverHeldBackHoweverLateTheyAre() {
        TokenBucket bucket = new TokenBucket(10, clock::get); // burst 1: one every 100 ms
        for (int i = 0; i < 20; i++) {
            long wait = bucket.reserve();
            // every timer fires late, by 0 to 40 ms
            clock.addAndGet(wait + (i % 5) * 10 * MS);
            assertThat(bucket.depart()).as("write %d", i).isZero();
        }
    }
}
