package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.testing.ConsumersOff;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A join or sweep borrows the shadow slot's writer role: it waits while a rollout writes, a rollout that
 * enters while it holds the role waits for it, and the newest upload of the slot stays as it was.
 */
@QuarkusTest
@TestProfile(ConsumersOff.class)
class SlotBorrowTest {

    private static final Runnable NOTHING = () -> { };

    @Inject SlotLease slots;

    @Test
    void aBorrowWaitsForTheWritingRolloutAndARolloutEnteringLaterWaitsForTheBorrow() throws Exception {
        String slot = SlotLease.slotOf("borrow-" + UUID.randomUUID());
        Instant now = Instant.now();
        UploadOrder first = new UploadOrder("first-" + UUID.randomUUID(), now, "s3://b/k", null);
        UploadOrder second = new UploadOrder("second-" + UUID.randomUUID(), now.plusSeconds(1), "s3://b/k", null);
        var writing = (SlotLease.Entry.Writing) slots.enter(slot, first, "owner-1", "thing group g", NOTHING::run);

        CompletableFuture<SlotLease.Writer> borrowed = CompletableFuture.supplyAsync(() -> borrow(slot, first.rolloutId()));
        Thread.sleep(1_500);
        assertThat(borrowed).as("borrow while a rollout writes").isNotDone();

        slots.release(writing.writer(), true);
        SlotLease.Writer role = borrowed.get(10, TimeUnit.SECONDS);
        assertThat(role.fence().isOpen()).isTrue();
        assertThat(slots.newestRollout(slot)).as("the newest upload is left alone").contains(first.rolloutId());

        CompletableFuture<SlotLease.Entry> entered = CompletableFuture.supplyAsync(() -> enter(slot, second));
        Thread.sleep(1_500);
        assertThat(entered).as("a newer rollout while the role is borrowed").isNotDone();
        assertThat(slots.newestRollout(slot)).as("but it is the newest now").contains(second.rolloutId());

        slots.release(role, true);
        assertThat(entered.get(10, TimeUnit.SECONDS)).isInstanceOf(SlotLease.Entry.Writing.class);
        assertThat(role.fence().isOpen()).as("a released role writes no more").isFalse();
    }

    private SlotLease.Writer borrow(String slot, String rolloutId) {
        try {
            return slots.borrow(slot, rolloutId, "joiner", "thing group g", NOTHING::run);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private SlotLease.Entry enter(String slot, UploadOrder order) {
        try {
            return slots.enter(slot, order, "owner-2", "thing group g", NOTHING::run);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
