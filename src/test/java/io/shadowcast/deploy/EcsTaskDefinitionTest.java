package io.shadowcast.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.shadowcast.config.SqsConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** deploy/ecs/task-definition.json runs the image the way the Kubernetes Deployment does. */
class EcsTaskDefinitionTest {

    private final JsonNode task = read();
    private final JsonNode container = task.path("containerDefinitions").path(0);

    @Test
    void runsTheImageAsItsUserWithAReadOnlyRootAndAWritableTmp() {
        assertThat(task.path("containerDefinitions")).hasSize(1);
        assertThat(container.path("user").asText()).isEqualTo(Long.toString(ContainerImage.uid()));
        assertThat(container.path("readonlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.path("linuxParameters").path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
        JsonNode tmp = container.path("mountPoints").path(0);
        assertThat(tmp.path("containerPath").asText()).isEqualTo("/tmp");
        assertThat(task.path("volumes").findValuesAsText("name")).contains(tmp.path("sourceVolume").asText());
        assertThat(container.path("portMappings").path(0).path("containerPort").asInt()).isEqualTo(ContainerImage.exposedPort());
    }

    @Test
    void healthCheckIsTheImagesAndStopTimeoutOutlastsALongPoll() {
        List<String> command = new ArrayList<>();
        container.path("healthCheck").path("command").forEach(part -> command.add(part.asText()));
        List<String> expected = new ArrayList<>(List.of("CMD"));
        expected.addAll(ContainerImage.healthCheckCommand());

        assertThat(command).isEqualTo(expected);
        Duration needed = ConfigKeys.duration(ConfigKeys.defaultOf(SqsConfig.class, "waitTime"))
                .plus(ConfigKeys.duration(ConfigKeys.defaultOf(SqsConfig.class, "shutdownGrace")));
        // Fargate allows at most 120 s.
        assertThat(Duration.ofSeconds(container.path("stopTimeout").asInt())).isGreaterThan(needed)
                .isLessThanOrEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void environmentIsTheConfigMapsAndSetsRealKeys() {
        Set<String> names = new HashSet<>(container.path("environment").findValuesAsText("name"));
        Set<String> configMap = KubernetesManifests.only(KubernetesManifests.DIRECTORY + "/configmap.yaml", ConfigMap.class)
                .getData().keySet();

        assertThat(names).containsAll(ConfigKeys.resourceVariables());
        assertThat(names).allSatisfy(name -> assertThat(ConfigKeys.isKnownEnv(name)).as(name).isTrue());
        Set<String> settings = new HashSet<>(names);
        settings.remove("JAVA_OPTS");
        assertThat(settings).isEqualTo(configMap);
    }

    private static JsonNode read() {
        try {
            JsonNode node = new ObjectMapper().readTree(DeployFiles.read("deploy/ecs/task-definition.json"));
            assertThat(node.path("family").asText()).isEqualTo("shadowcast");
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
