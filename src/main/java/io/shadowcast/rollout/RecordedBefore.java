package io.shadowcast.rollout;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Which things of a page may have been recorded in the ledger for this rollout before, and are looked up
 * before the page is recorded: a thing recorded before keeps what its device reported, so only a thing
 * surely never recorded is recorded without that read (docs/rollout.md, "Which things are looked up
 * first"). A thing of a wave's pass was surely never recorded when all of these hold:
 *
 * <ol>
 * <li>the worker created the rollout's record (its first claim): no worker ran a pass of it before, and
 * a claim runs each wave once;</li>
 * <li>no join recorded a thing for the rollout before the pass entered the shadow slot: a join marks the
 * record before it records, and records only holding the slot, which the pass holds from then on;</li>
 * <li>the pass did not meet the name before: a listing may name a thing twice ({@link SeenNames});</li>
 * <li>the pass still holds the slot by its fence as the page is recorded: a worker that may have lost
 * it, and may be followed by one that resumes the rollout, looks every thing up.</li>
 * </ol>
 * Anything else (a resumed rollout, a retry, a join) looks every thing up.
 */
final class RecordedBefore {

    /** Any thing may have been recorded before: each is looked up. */
    static final RecordedBefore ANY = new RecordedBefore(null);

    /** null when every thing is looked up */
    private final SeenInPass seen;

    private RecordedBefore(SeenInPass seen) {
        this.seen = seen;
    }

    /** For a wave's pass under the rollout's first claim with no join recorded before it (rules 1 and 2). */
    static RecordedBefore onlyInThisPass(SlotLease.Fence fence) {
        return new RecordedBefore(new SeenInPass(fence));
    }

    /** The things of this page, met in listing order, that may have been recorded before (rules 3 and 4). */
    Predicate<String> among(List<String> page) {
        return seen == null ? thing -> true : seen.among(page);
    }

    private static final class SeenInPass {

        private final SlotLease.Fence fence;
        private final SeenNames names = new SeenNames();

        SeenInPass(SlotLease.Fence fence) {
            this.fence = fence;
        }

        synchronized Predicate<String> among(List<String> page) {
            if (!fence.isOpen()) {
                page.forEach(names::addIfNew);
                return thing -> true;
            }
            Set<String> maybe = new HashSet<>();
            for (String thing : page) {
                if (!names.addIfNew(thing)) {
                    maybe.add(thing);
                }
            }
            return maybe.isEmpty() ? thing -> false : maybe::contains;
        }
    }
}
