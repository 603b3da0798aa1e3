package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WavePlanTest {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

    private static WavePlan.Spec parse(String waves, String threshold, String timeout) {
        return WavePlan.parse(waves, threshold, timeout, 90, DEFAULT_TIMEOUT);
    }

    @Test
    void percentagesAreCumulativeSharesWithDefaultsForThresholdAndTimeout() {
        WavePlan plan = parse("2%,20%,100%", null, null).resolve(500);

        assertThat(plan.bounds()).containsExactly(0.02, 0.2, 1.0);
        assertThat(plan.threshold()).isEqualTo(0.9);
        assertThat(plan.timeout()).isEqualTo(DEFAULT_TIMEOUT);
        assertThat(plan.describe()).isEqualTo("2%, 20%, 100%; next wave at 90% applied, wave timeout 1h");
    }

    @Test
    void countsBecomeSharesOfTheTargetsAndWavesThatAddNothingAreLeftOut() {
        WavePlan.Spec spec = parse("10, 100, 100%", "95%", "30m");

        assertThat(spec.needsTargetCount()).isTrue();
        assertThat(spec.resolve(1_000).bounds()).containsExactly(0.01, 0.1, 1.0);
        assertThat(spec.resolve(50).bounds()).as("100 of 50 targets is all of them").containsExactly(0.2, 1.0);
        assertThat(spec.resolve(50).threshold()).isEqualTo(0.95);
        assertThat(spec.resolve(50).timeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(parse("5%,100%", null, null).needsTargetCount()).isFalse();
    }

    @Test
    void thresholdAndTimeoutSpellings() {
        assertThat(parse("100%", "90", "PT45S").resolve(1).threshold()).isEqualTo(0.9);
        assertThat(parse("100%", "90", "PT45S").resolve(1).timeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(parse("100%", "50.5%", "2h").resolve(1).timeout()).isEqualTo(Duration.ofHours(2));
        assertThat(parse("100%", null, "1d").resolve(1).timeout()).isEqualTo(Duration.ofDays(1));
        assertThat(parse("100%", null, null).resolve(1).isSingle()).isTrue();
    }

    @Test
    void anEncodedPlanReadsBackExactly() {
        WavePlan plan = parse("7, 33.3%, 100%", "87.5%", "90s").resolve(123);

        assertThat(WavePlan.decode(plan.encode())).isEqualTo(plan);
    }

    @Test
    void badPlansNameTheFieldAndSayWhy() {
        assertInvalid(() -> parse("", null, null), WavePlan.Field.WAVES, "empty");
        assertInvalid(() -> parse("2%,abc,100%", null, null), WavePlan.Field.WAVES, "'abc' is neither");
        assertInvalid(() -> parse("20%,10%,100%", null, null), WavePlan.Field.WAVES, "must grow");
        assertInvalid(() -> parse("2%,20%", null, null), WavePlan.Field.WAVES, "last wave must be 100%");
        assertInvalid(() -> parse("0%,100%", null, null), WavePlan.Field.WAVES, "'0%' is neither");
        assertInvalid(() -> parse("150%", null, null), WavePlan.Field.WAVES, "'150%' is neither");
        assertInvalid(() -> parse("10%,5,100%", null, null), WavePlan.Field.WAVES, "cannot follow a percentage");
        assertInvalid(() -> parse("100%", "0", null), WavePlan.Field.THRESHOLD, "threshold '0'");
        assertInvalid(() -> parse("100%", "ninety", null), WavePlan.Field.THRESHOLD, "threshold 'ninety'");
        assertInvalid(() -> parse("100%", null, "soon"), WavePlan.Field.TIMEOUT, "timeout 'soon'");
        assertInvalid(() -> parse("100%", null, "0s"), WavePlan.Field.TIMEOUT, "positive duration");
    }

    @Test
    void membershipDependsOnTheNamesOnlyAndDiffersBetweenRollouts() {
        WavePlan plan = parse("10%,50%,100%", null, null).resolve(1_000);
        List<String> things = IntStream.range(0, 1_000).mapToObj(i -> "thing-" + i).toList();

        Map<String, Integer> once = things.stream().collect(Collectors.toMap(Function.identity(), t -> plan.waveOf("r-1", t)));
        Map<String, Integer> again = IntStream.range(0, things.size()).mapToObj(i -> things.get(things.size() - 1 - i))
                .collect(Collectors.toMap(Function.identity(), t -> plan.waveOf("r-1", t)));
        Map<String, Integer> otherRollout = things.stream()
                .collect(Collectors.toMap(Function.identity(), t -> plan.waveOf("r-2", t)));

        assertThat(again).isEqualTo(once);
        assertThat(otherRollout).isNotEqualTo(once);
    }

    @Test
    void aBlockOfConsecutiveNamesIsSpreadOverTheWavesByTheirShares() {
        WavePlan plan = parse("2%,20%,100%", null, null).resolve(10_000);
        List<String> block = IntStream.range(0, 10_000).mapToObj(i -> String.format("site-7-line-3-%05d", i)).toList();

        Map<Integer, Long> perWave = block.stream()
                .collect(Collectors.groupingBy(t -> plan.waveOf("rollout-abc", t), Collectors.counting()));
        // expected 200, 1,800 and 8,000; the binomial spread is about ±14, ±38 and ±40 (one standard deviation)
        assertThat(perWave.get(0)).isBetween(140L, 260L);
        assertThat(perWave.get(1)).isBetween(1_650L, 1_950L);
        assertThat(perWave.get(2)).isBetween(7_800L, 8_200L);
        // and the first 100 names (one site's batch) are not piled into one wave
        Map<Integer, Long> firstHundred = block.subList(0, 100).stream()
                .collect(Collectors.groupingBy(t -> plan.waveOf("rollout-abc", t), Collectors.counting()));
        assertThat(firstHundred.get(2)).isBetween(60L, 95L);
    }

    @Test
    void placesAreFractionsBelowOne() {
        IntStream.range(0, 10_000).forEach(i -> assertThat(WavePlan.place("r", "t" + i)).isBetween(0.0, 0.9999999999));
    }

    private static void assertInvalid(Runnable parse, WavePlan.Field field, String message) {
        assertThatThrownBy(parse::run).isInstanceOfSatisfying(WavePlan.InvalidPlan.class,
                e -> assertThat(e.field()).isEqualTo(field)).hasMessageContaining(message);
    }
}
