package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which things of a page are looked up in the ledger before they are recorded. */
class RecordedBeforeTest {

    @Test
    void aFirstPassLooksUpOnlyTheNamesItMetBefore() {
        RecordedBefore pass = RecordedBefore.onlyInThisPass(new SlotLease.Fence(System.nanoTime(), Duration.ofDays(1)));

        assertThat(lookedUp(pass, List.of("a", "b", "c"))).isEmpty();
        assertThat(lookedUp(pass, List.of("d", "b", "e", "e"))).as("b of the page before, e twice in this one")
                .containsExactly("b", "e", "e");
        assertThat(lookedUp(pass, List.of("f"))).isEmpty();
    }

    @Test
    void anyOtherPassLooksUpEveryThing() {
        assertThat(lookedUp(RecordedBefore.ANY, List.of("a", "b"))).containsExactly("a", "b");
    }

    @Test
    void aPassThatMayHaveLostTheSlotLooksUpEveryThingAndStillRemembersTheNames() {
        SlotLease.Fence fence = new SlotLease.Fence(System.nanoTime(), Duration.ofDays(1));
        RecordedBefore pass = RecordedBefore.onlyInThisPass(fence);
        fence.close();

        assertThat(lookedUp(pass, List.of("a", "b"))).containsExactly("a", "b");
        fence.renewed(System.nanoTime());
        assertThat(lookedUp(pass, List.of("a"))).as("closed for good").containsExactly("a");
    }

    @Test
    void seenNamesNeverForgetANameAndRarelyTakeANewOneForSeen() {
        SeenNames seen = new SeenNames();
        int names = 200_000;
        assertThat(IntStream.range(0, names).filter(i -> !seen.addIfNew("thing-" + i)).count())
                .as("names taken for seen before they were added").isLessThan(names / 500);
        assertThat(IntStream.range(0, names).filter(i -> seen.addIfNew("thing-" + i)).count())
                .as("names added before, called new").isZero();
        assertThat(IntStream.range(0, names).filter(i -> !seen.addIfNew("other-" + i)).count())
                .as("new names taken for seen").isLessThan(names / 500);
    }

    private static List<String> lookedUp(RecordedBefore pass, List<String> page) {
        Predicate<String> mayBeRecorded = pass.among(page);
        return page.stream().filter(mayBeRecorded).toList();
    }
}
