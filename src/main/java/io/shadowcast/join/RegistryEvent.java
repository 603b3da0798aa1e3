package io.shadowcast.join;

/** What a registry event on the join queue means for the rollouts. */
public sealed interface RegistryEvent {

    /**
     * A thing that may have joined a rollout's targets: created, updated (its type or attributes may
     * now match) or added to a thing group.
     *
     * @param what the event in words, for the logs
     */
    record Joined(String thing, String what) implements RegistryEvent {
    }

    /** An event that joins nothing (a thing deleted or removed from a group: nothing is rolled back). */
    record Ignored(String what) implements RegistryEvent {
    }
}
