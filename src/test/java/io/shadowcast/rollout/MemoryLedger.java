package io.shadowcast.rollout;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * An in-memory {@link DeviceLedger} whose device outcomes the tests set themselves ("device X applied",
 * "device Y failed"), for the application under test.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class MemoryLedger implements DeviceLedger {

    enum State {
        WRITTEN, APPLIED, FAILED, TIMED_OUT
    }

    private record Entry(int wave, Instant at, State state) {
    }

    private final Map<String, Map<String, Entry>> rollouts = new ConcurrentHashMap<>();

    @Override
    public void willWrite(String rolloutId, int wave, List<String> things) {
        Map<String, Entry> entries = of(rolloutId);
        Instant now = Instant.now();
        things.forEach(thing -> entries.putIfAbsent(thing, new Entry(wave, now, State.WRITTEN)));
    }

    @Override
    public void notWritten(String rolloutId, String thing) {
        of(rolloutId).remove(thing);
    }

    @Override
    public Convergence convergence(String rolloutId, int wave) {
        return count(of(rolloutId).values().stream().filter(entry -> entry.wave() == wave).toList());
    }

    @Override
    public Convergence convergence(String rolloutId) {
        return count(List.copyOf(of(rolloutId).values()));
    }

    @Override
    public Optional<Written> written(String rolloutId, String thing) {
        return Optional.ofNullable(of(rolloutId).get(thing)).map(entry -> new Written(entry.wave(), entry.at()));
    }

    /** The things recorded for this wave of the rollout. */
    Set<String> recorded(String rolloutId, int wave) {
        return of(rolloutId).entrySet().stream().filter(e -> e.getValue().wave() == wave).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    void report(String rolloutId, String thing, State state) {
        of(rolloutId).computeIfPresent(thing, (name, entry) -> new Entry(entry.wave(), entry.at(), state));
    }

    private Map<String, Entry> of(String rolloutId) {
        return rollouts.computeIfAbsent(rolloutId, id -> new ConcurrentHashMap<>());
    }

    private static Convergence count(List<Entry> entries) {
        Map<State, Long> counts = entries.stream().collect(Collectors.groupingBy(Entry::state, Collectors.counting()));
        return new Convergence(entries.size(), counts.getOrDefault(State.APPLIED, 0L),
                counts.getOrDefault(State.FAILED, 0L), counts.getOrDefault(State.TIMED_OUT, 0L));
    }
}
