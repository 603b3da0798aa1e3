package io.shadowcast.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shadowcast.config.RolloutConfig;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TargetRuleTest {

    @Test
    void noConfigurationMeansEveryThing() {
        assertThat(rule(null, null, null).resolve("firmware.bin", Map.of())).isEqualTo(Targeting.Fleet.ALL);
        assertThat(Targeting.Fleet.ALL.describe()).isEqualTo("all things");
    }

    @Test
    void configurationFiltersByTypeAndAttribute() {
        Targeting target = rule(null, "sensor", "site=berlin=1").resolve("a.bin", Map.of());

        assertThat(target).isEqualTo(new Targeting.Fleet("sensor", "site", "berlin=1"));
        assertThat(target.describe()).isEqualTo("things of type sensor and with site=berlin=1");
    }

    @Test
    void keyPrefixNamesAThingGroupAndBeatsTheConfiguration() {
        var rule = rule("all-devices", "sensor", null);

        assertThat(rule.resolve("groups/line-7/firmware.bin", Map.of())).isEqualTo(new Targeting.ThingGroup("line-7"));
        assertThat(rule.resolve("groups/no-slash", Map.of())).isEqualTo(new Targeting.ThingGroup("all-devices"));
        assertThat(rule.resolve("groups//x", Map.of())).isEqualTo(new Targeting.ThingGroup("all-devices"));
    }

    @Test
    void objectMetadataBeatsPrefixAndConfigurationAsAWhole() {
        var rule = rule("all-devices", "sensor", "site=a");

        assertThat(rule.resolve("groups/line-7/fw.bin", Map.of("Shadowcast-Thing-Type", "gateway")))
                .isEqualTo(new Targeting.Fleet("gateway", null, null));
        assertThat(rule.resolve("fw.bin", Map.of("shadowcast-attribute", "ring=canary", "other", "x")))
                .isEqualTo(new Targeting.Fleet(null, "ring", "canary"));
        assertThat(rule.resolve("fw.bin", Map.of("shadowcast-thing-group", "g1", "shadowcast-thing-type", "t")))
                .isEqualTo(new Targeting.ThingGroup("g1"));
    }

    @Test
    void anAttributeWithoutValueFailsTheRolloutClearly() {
        assertThatThrownBy(() -> rule(null, null, null).resolve("fw.bin", Map.of("shadowcast-attribute", "ring")))
                .isInstanceOf(RolloutFailedException.class).hasMessageContaining("name=value");
    }

    private static TargetRule rule(String group, String type, String attribute) {
        return new TargetRule(new RolloutConfig.Target() {
            @Override
            public Optional<String> thingGroup() {
                return Optional.ofNullable(group);
            }

            @Override
            public Optional<String> thingType() {
                return Optional.ofNullable(type);
            }

            @Override
            public Optional<String> attribute() {
                return Optional.ofNullable(attribute);
            }

            @Override
            public String groupPrefix() {
                return "groups/";
            }
        });
    }
}
