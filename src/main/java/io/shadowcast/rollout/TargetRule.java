package io.shadowcast.rollout;

import io.shadowcast.config.RolloutConfig;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the targets of one object. The first of these that says anything wins, as a whole:
 * <ol>
 * <li>the object's user metadata {@code shadowcast-thing-group}, {@code shadowcast-thing-type},
 * {@code shadowcast-attribute} ({@code name=value}), sent as {@code x-amz-meta-...} headers on upload;</li>
 * <li>the key prefix: {@code <group-prefix><group>/...} targets that thing group;</li>
 * <li>the configuration {@code shadowcast.rollout.target.*};</li>
 * <li>otherwise every thing in the account and region.</li>
 * </ol>
 * A thing group excludes the type and attribute filters (ListThingsInThingGroup has none).
 */
public final class TargetRule {

    static final String META_GROUP = "shadowcast-thing-group";
    static final String META_TYPE = "shadowcast-thing-type";
    static final String META_ATTRIBUTE = "shadowcast-attribute";

    private final RolloutConfig.Target config;

    public TargetRule(RolloutConfig.Target config) {
        this.config = config;
    }

    /** @param metadata the object's user metadata, keys without {@code x-amz-meta-} (any case) */
    public Targeting resolve(String key, Map<String, String> metadata) {
        Optional<Targeting> fromMetadata = fromMetadata(metadata);
        if (fromMetadata.isPresent()) {
            return fromMetadata.get();
        }
        String prefix = config.groupPrefix();
        if (!prefix.isEmpty() && key.startsWith(prefix)) {
            int end = key.indexOf('/', prefix.length());
            if (end > prefix.length()) {
                return new Targeting.ThingGroup(key.substring(prefix.length(), end));
            }
        }
        return of(config.thingGroup().orElse(null), config.thingType().orElse(null), config.attribute().orElse(null),
                "shadowcast.rollout.target.attribute");
    }

    /** Rebuilds a target from what a rollout record saved. */
    public static Targeting of(String group, String type, String attribute, String source) {
        if (group != null) {
            return new Targeting.ThingGroup(group);
        }
        if (attribute == null) {
            return type == null ? Targeting.Fleet.ALL : new Targeting.Fleet(type, null, null);
        }
        int equals = attribute.indexOf('=');
        if (equals <= 0) {
            throw new RolloutFailedException(source + " must be written name=value, not '" + attribute + "'");
        }
        return new Targeting.Fleet(type, attribute.substring(0, equals), attribute.substring(equals + 1));
    }

    private static Optional<Targeting> fromMetadata(Map<String, String> metadata) {
        String group = find(metadata, META_GROUP);
        String type = find(metadata, META_TYPE);
        String attribute = find(metadata, META_ATTRIBUTE);
        if (group == null && type == null && attribute == null) {
            return Optional.empty();
        }
        return Optional.of(of(group, type, attribute, "object metadata " + META_ATTRIBUTE));
    }

    /** The non-blank value of user metadata {@code name} (any case, trimmed), or null. */
    static String find(Map<String, String> metadata, String name) {
        return metadata.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name) && e.getValue() != null && !e.getValue().isBlank())
                .map(e -> e.getValue().trim())
                .findFirst().orElse(null);
    }
}
