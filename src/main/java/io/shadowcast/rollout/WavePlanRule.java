package io.shadowcast.rollout;

import io.shadowcast.config.RolloutConfig;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the waves of one upload. The first of these that names waves wins: the plan of
 * {@code POST /rollouts} (carried by its event), the object's metadata {@code shadowcast-waves}, the
 * longest key prefix of {@code shadowcast.rollout.waves.rules}; otherwise the rollout runs in one wave.
 * The threshold and timeout come from the request or the metadata ({@code shadowcast-wave-threshold},
 * {@code shadowcast-wave-timeout}), or the configuration.
 */
public final class WavePlanRule {

    static final String META_WAVES = "shadowcast-waves";
    static final String META_THRESHOLD = "shadowcast-wave-threshold";
    static final String META_TIMEOUT = "shadowcast-wave-timeout";

    private final RolloutConfig.Waves config;

    public WavePlanRule(RolloutConfig.Waves config) {
        this.config = config;
    }

    /**
     * @param metadata  the object's user metadata, keys without {@code x-amz-meta-} (any case)
     * @param requested the plan of {@code POST /rollouts}, under the same names; empty for S3 events
     * @return the plan as written, or empty for one wave
     * @throws RolloutFailedException naming the metadata key or rule that is wrong
     */
    public Optional<WavePlan.Spec> resolve(String key, Map<String, String> metadata, Map<String, String> requested) {
        String waves = find(requested, META_WAVES).or(() -> find(metadata, META_WAVES)).orElse(null);
        String source = "x-amz-meta-" + META_WAVES;
        if (waves == null) {
            Optional<Map.Entry<String, String>> rule = config.rules().entrySet().stream()
                    .filter(e -> key.startsWith(e.getKey()))
                    .max(Comparator.comparingInt(e -> e.getKey().length()));
            if (rule.isEmpty()) {
                return Optional.empty();
            }
            waves = rule.get().getValue();
            source = "shadowcast.rollout.waves.rules.\"" + rule.get().getKey() + "\"";
        }
        String threshold = find(requested, META_THRESHOLD).or(() -> find(metadata, META_THRESHOLD)).orElse(null);
        String timeout = find(requested, META_TIMEOUT).or(() -> find(metadata, META_TIMEOUT)).orElse(null);
        try {
            return Optional.of(WavePlan.parse(waves, threshold, timeout, config.threshold(), config.timeout()));
        } catch (WavePlan.InvalidPlan e) {
            String field = switch (e.field()) {
                case WAVES -> source;
                case THRESHOLD -> "x-amz-meta-" + META_THRESHOLD;
                case TIMEOUT -> "x-amz-meta-" + META_TIMEOUT;
            };
            throw new RolloutFailedException("invalid wave plan in " + field + ": " + e.getMessage());
        }
    }

    private static Optional<String> find(Map<String, String> metadata, String name) {
        return Optional.ofNullable(TargetRule.find(metadata, name));
    }
}
