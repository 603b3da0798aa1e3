package io.shadowcast.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.shadowcast.config.SqsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** k8s/: every manifest is a valid Kubernetes object, and together they describe a pod that runs the service safely. */
class KubernetesManifestsTest {

    private static final String K8S = KubernetesManifests.DIRECTORY + "/";

    @Test
    void everyManifestParsesIntoModelObjectsWithoutUnknownFields() {
        List<String> files = KubernetesManifests.files();
        assertThat(files).contains(K8S + "deployment.yaml", K8S + "optional/keda-scaledobject.yaml");

        for (String file : files) {
            for (HasMetadata object : KubernetesManifests.objects(file)) {
                assertThat(object.getApiVersion()).as(file).isNotBlank();
                assertThat(object.getKind()).as(file).isNotBlank();
                assertThat(KubernetesManifests.unknownFields(object)).as(file + " fields the model does not know").isEmpty();
                if (!object.getKind().equals("Kustomization")) {
                    assertThat(object.getMetadata().getName()).as(file + " name").startsWith("shadowcast");
                }
            }
        }
    }

    @Test
    void kustomizationAppliesEveryManifestButTheOptionalOnesIntoTheNamespace() {
        GenericKubernetesResource kustomization = KubernetesManifests.only(K8S + "kustomization.yaml", GenericKubernetesResource.class);
        Set<String> listed = Set.copyOf(kustomization.<List<String>>get("resources"));
        Set<String> topLevel = KubernetesManifests.files().stream()
                .filter(file -> !file.contains("/optional/") && !file.endsWith("kustomization.yaml"))
                .map(file -> Path.of(file).getFileName().toString())
                .collect(Collectors.toSet());

        assertThat(listed).hasSize(6).isEqualTo(topLevel);
        Namespace namespace = KubernetesManifests.only(K8S + "namespace.yaml", Namespace.class);
        assertThat(kustomization.<String>get("namespace")).isEqualTo(namespace.getMetadata().getName());
        assertThat(kustomization.<List<Map<String, String>>>get("images"))
                .anySatisfy(image -> assertThat(image.get("name")).isEqualTo(container().getImage()));
    }

    @Test
    void deploymentRunsTwoReplicasWithProbesOnTheHealthEndpoints() {
        Deployment deployment = KubernetesManifests.deployment();
        Container container = container();

        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getSelector().getMatchLabels())
                .isNotEmpty().isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels());
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(container.getStartupProbe().getHttpGet().getPath()).startsWith("/q/health/");
        for (Probe probe : List.of(container.getLivenessProbe(), container.getReadinessProbe(), container.getStartupProbe())) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
        }
        assertThat(container.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("http", ContainerImage.exposedPort()));
        // Readiness asks four AWS resources, each call limited to 2 s.
        assertThat(container.getReadinessProbe().getTimeoutSeconds()).isGreaterThanOrEqualTo(8);
    }

    @Test
    void deploymentHasResourcesAndTheImagesUser() {
        Container container = container();
        Map<String, Quantity> requests = container.getResources().getRequests();
        Map<String, Quantity> limits = container.getResources().getLimits();

        assertThat(requests).containsKeys("cpu", "memory");
        // The heap is a share of the memory limit, so the limit must be there and match the request.
        assertThat(limits.get("memory")).isEqualTo(requests.get("memory"));
        assertThat(Quantity.getAmountInBytes(limits.get("memory")).longValue()).isGreaterThanOrEqualTo(256L << 20);
        assertThat(podSpec().getSecurityContext().getRunAsUser()).isEqualTo(ContainerImage.uid());
    }

    @Test
    void podIsLockedDown() {
        PodSpec pod = podSpec();
        Container container = container();

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        String tmpVolume = container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp"))
                .findFirst().orElseThrow(() -> new AssertionError("no writable /tmp")).getName();
        assertThat(pod.getVolumes()).anySatisfy(volume -> {
            assertThat(volume.getName()).isEqualTo(tmpVolume);
            assertThat(volume.getEmptyDir()).isNotNull();
        });
    }

    @Test
    void shutdownOutlastsALongPollAndTheInFlightGrace() {
        PodSpec pod = podSpec();
        List<String> preStop = container().getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
        Duration needed = Duration.ofSeconds(Long.parseLong(preStop.get(1)))
                .plus(ConfigKeys.duration(ConfigKeys.defaultOf(SqsConfig.class, "waitTime")))
                .plus(ConfigKeys.duration(ConfigKeys.defaultOf(SqsConfig.class, "shutdownGrace")));

        assertThat(needed).isGreaterThanOrEqualTo(Duration.ofSeconds(40));
        assertThat(Duration.ofSeconds(pod.getTerminationGracePeriodSeconds())).isGreaterThan(needed);
    }

    @Test
    void serviceAccountConfigMapAndServiceConnectToTheDeployment() {
        PodSpec pod = podSpec();
        ServiceAccount account = KubernetesManifests.only(K8S + "serviceaccount.yaml", ServiceAccount.class);
        ConfigMap config = KubernetesManifests.only(K8S + "configmap.yaml", ConfigMap.class);
        Service service = KubernetesManifests.only(K8S + "service.yaml", Service.class);
        Map<String, String> podLabels = KubernetesManifests.deployment().getSpec().getTemplate().getMetadata().getLabels();

        assertThat(pod.getServiceAccountName()).isEqualTo(account.getMetadata().getName());
        assertThat(account.getMetadata().getAnnotations()).containsKey("eks.amazonaws.com/role-arn");
        assertThat(container().getEnvFrom()).anySatisfy(source ->
                assertThat(source.getConfigMapRef().getName()).isEqualTo(config.getMetadata().getName()));
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(port -> assertThat(port.getTargetPort().getStrVal()).isEqualTo("http"));
    }

    @Test
    void configMapSetsRealConfigurationKeys() {
        Map<String, String> data = KubernetesManifests.only(K8S + "configmap.yaml", ConfigMap.class).getData();

        assertThat(data).containsKeys(ConfigKeys.resourceVariables().toArray(String[]::new));
        assertThat(data.keySet()).allSatisfy(name -> assertThat(ConfigKeys.isKnownEnv(name))
                .as(name + " is a configuration key of the service").isTrue());
        assertThat(data.get("SHADOWCAST_ROLLOUT_QUEUE")).startsWith("https://sqs.");
        assertThat(data.get("SHADOWCAST_PRESENCE_TOPIC")).startsWith("arn:aws:sns:");
        assertThat(container().getEnv()).allSatisfy(env -> assertThat(ConfigKeys.isKnownEnv(env.getName()))
                .as(env.getName()).isTrue());
    }

    @Test
    void disruptionBudgetKeepsOneOfTheReplicas() {
        PodDisruptionBudget budget = KubernetesManifests.only(K8S + "poddisruptionbudget.yaml", PodDisruptionBudget.class);
        Deployment deployment = KubernetesManifests.deployment();

        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isBetween(1, deployment.getSpec().getReplicas() - 1);
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void kedaScalesTheDeploymentOnBothQueuesWithThePodsIdentity() {
        List<HasMetadata> objects = KubernetesManifests.objects(K8S + "optional/keda-scaledobject.yaml");
        GenericKubernetesResource auth = ofKind(objects, "TriggerAuthentication");
        GenericKubernetesResource scaled = ofKind(objects, "ScaledObject");
        Map<String, String> configMap = KubernetesManifests.only(K8S + "configmap.yaml", ConfigMap.class).getData();

        assertThat(auth.<String>get("spec", "podIdentity", "provider")).isEqualTo("aws");
        assertThat(scaled.<String>get("spec", "scaleTargetRef", "name")).isEqualTo(KubernetesManifests.deployment().getMetadata().getName());
        assertThat(scaled.<Integer>get("spec", "minReplicaCount")).isGreaterThanOrEqualTo(KubernetesManifests.deployment().getSpec().getReplicas());
        List<Map<String, Object>> triggers = scaled.get("spec", "triggers");
        assertThat(triggers).hasSize(2).allSatisfy(trigger -> {
            assertThat(trigger.get("type")).isEqualTo("aws-sqs-queue");
            assertThat(DeployFiles.map(trigger.get("authenticationRef")).get("name")).isEqualTo(auth.getMetadata().getName());
        });
        assertThat(triggers).extracting(trigger -> DeployFiles.map(trigger.get("metadata")).get("queueURLFromEnv"))
                .containsExactlyInAnyOrder("SHADOWCAST_ROLLOUT_QUEUE", "SHADOWCAST_PRESENCE_QUEUE")
                .allSatisfy(variable -> assertThat(configMap).containsKey((String) variable));
        Map<String, Object> rollouts = DeployFiles.map(triggers.stream()
                .filter(t -> DeployFiles.map(t.get("metadata")).get("queueURLFromEnv").equals("SHADOWCAST_ROLLOUT_QUEUE"))
                .findFirst().orElseThrow().get("metadata"));
        // One replica works on rollout-concurrency messages at a time.
        assertThat(rollouts.get("queueLength")).isEqualTo(ConfigKeys.defaultOf(SqsConfig.class, "rolloutConcurrency"));
        assertThat(objects).allSatisfy(o -> assertThat(o.getMetadata().getNamespace())
                .isEqualTo(KubernetesManifests.only(K8S + "namespace.yaml", Namespace.class).getMetadata().getName()));
    }

    private static GenericKubernetesResource ofKind(List<HasMetadata> objects, String kind) {
        return objects.stream().filter(o -> o.getKind().equals(kind)).map(GenericKubernetesResource.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind));
    }

    private static PodSpec podSpec() {
        return KubernetesManifests.deployment().getSpec().getTemplate().getSpec();
    }

    private static Container container() {
        List<Container> containers = podSpec().getContainers();
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }
}
