package io.shadowcast.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.configuration.DurationConverter;
import io.shadowcast.config.AwsConfig;
import io.shadowcast.config.ProvisionConfig;
import io.shadowcast.config.SqsConfig;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml: which services run in which variant, and what configuration each shadowcast
 * container ends up with, resolved the way the application resolves it (its application.properties,
 * the compose environment, the profile the compose file selects).
 */
class ComposeFileTest {

    private static final List<String> QUARKUS_CLIENTS = List.of("s3", "sqs", "sns", "dynamodb");

    private final Map<String, Object> services = DeployFiles.map(DeployFiles.composeFile("docker-compose.yml").get("services"));

    @Test
    void defaultVariantIsMotoAndTheServiceAndTheLocalstackProfileAddsItsOwn() {
        assertThat(services.keySet()).containsExactlyInAnyOrder("moto", "shadowcast", "localstack", "shadowcast-localstack");
        assertThat(servicesOfProfile(null)).containsExactlyInAnyOrder("moto", "shadowcast");
        assertThat(servicesOfProfile("localstack")).containsExactlyInAnyOrder("localstack", "shadowcast-localstack");
        assertThat(service("moto").get("image")).isEqualTo("motoserver/moto:5.2.1");
        assertThat((String) service("localstack").get("image")).startsWith("localstack/localstack:");
        assertThat(environment("localstack")).containsKey("LOCALSTACK_AUTH_TOKEN");
    }

    @Test
    void portsDoNotCollideSoBothVariantsCanRunTogether() {
        assertThat(ports("shadowcast")).containsExactly("8080:" + ContainerImage.exposedPort());
        assertThat(ports("shadowcast-localstack")).containsExactly("8081:" + ContainerImage.exposedPort());
        assertThat(ports("moto")).containsExactly("5000:5000");
        assertThat(ports("localstack")).containsExactly("4566:4566");
    }

    @Test
    void serviceStartsAfterItsEmulatorsAreHealthy() {
        for (String name : List.of("shadowcast", "shadowcast-localstack")) {
            Map<String, Object> dependsOn = DeployFiles.map(service(name).get("depends_on"));
            assertThat(dependsOn).as(name).isNotEmpty();
            dependsOn.forEach((dependency, condition) -> {
                assertThat(DeployFiles.map(condition).get("condition")).isEqualTo("service_healthy");
                assertThat(service(dependency)).containsKey("healthcheck");
            });
        }
        assertThat(DeployFiles.map(service("shadowcast-localstack").get("depends_on"))).containsOnlyKeys("localstack", "moto");
    }

    @Test
    void serviceContainersAreReadOnlyAndStopGracefully() {
        Duration needed = ConfigKeys.duration(ConfigKeys.defaultOf(SqsConfig.class, "waitTime"))
                .plus(ConfigKeys.duration(ConfigKeys.defaultOf(SqsConfig.class, "shutdownGrace")));
        for (String name : List.of("shadowcast", "shadowcast-localstack")) {
            assertThat(service(name).get("read_only")).isEqualTo(true);
            assertThat(DeployFiles.list(service(name).get("tmpfs"))).containsExactly("/tmp");
            assertThat(service(name).get("build")).isEqualTo(".");
            assertThat(ConfigKeys.duration((String) service(name).get("stop_grace_period"))).isGreaterThan(needed);
        }
    }

    @Test
    void everyVariableSetsARealConfigurationKey() {
        for (String name : List.of("shadowcast", "shadowcast-localstack")) {
            assertThat(environment(name).keySet()).as(name).isNotEmpty()
                    .allSatisfy(variable -> assertThat(ConfigKeys.isKnownEnv(variable)).as(name + ": " + variable).isTrue());
        }
    }

    /** The init step is the service's own provisioning: on, and with the demo things. */
    @Test
    void bothVariantsProvisionAtStart() {
        for (String name : List.of("shadowcast", "shadowcast-localstack")) {
            SmallRyeConfig config = configOf(name);
            ProvisionConfig provision = config.getConfigMapping(ProvisionConfig.class);

            assertThat(provision.enabled()).as(name).isTrue();
            assertThat(provision.things().orElse(List.of())).as(name).hasSize(3);
        }
    }

    @Test
    void defaultVariantPointsEveryClientAtMoto() {
        SmallRyeConfig config = configOf("shadowcast");
        URI moto = URI.create("http://moto:5000");

        assertThat(endpoints(config)).containsOnlyKeys("s3", "sqs", "sns", "dynamodb", "iot", "iot-data")
                .allSatisfy((client, endpoint) -> assertThat(endpoint).as(client).isEqualTo(moto));
        assertThat(ports("moto")).anySatisfy(port -> assertThat((String) port).endsWith(":" + moto.getPort()));
    }

    @Test
    void localstackVariantMovesOnlyWhatLocalstackServesAndKeepsIotOnMoto() {
        Map<String, URI> endpoints = endpoints(configOf("shadowcast-localstack"));
        Set<String> servedByLocalstack = Set.of(((String) environment("localstack").get("SERVICES")).split(","));

        assertThat(servedByLocalstack).containsExactlyInAnyOrderElementsOf(QUARKUS_CLIENTS);
        QUARKUS_CLIENTS.forEach(client -> assertThat(endpoints.get(client)).as(client).isEqualTo(URI.create("http://localstack:4566")));
        assertThat(endpoints.get("iot")).isEqualTo(URI.create("http://moto:5000"));
        assertThat(endpoints.get("iot-data")).isEqualTo(URI.create("http://moto:5000"));
    }

    /** Endpoint of every AWS client as the application would configure it. */
    private static Map<String, URI> endpoints(SmallRyeConfig config) {
        Map<String, URI> endpoints = new TreeMap<>();
        for (String client : QUARKUS_CLIENTS) {
            config.getOptionalValue("quarkus." + client + ".endpoint-override", URI.class)
                    .ifPresent(uri -> endpoints.put(client, uri));
        }
        AwsConfig aws = config.getConfigMapping(AwsConfig.class);
        aws.iot().endpointOverride().ifPresent(uri -> endpoints.put("iot", uri));
        aws.iotData().endpointOverride().ifPresent(uri -> endpoints.put("iot-data", uri));
        return endpoints;
    }

    /** The application's configuration inside that container: application.properties plus the container's environment. */
    private SmallRyeConfig configOf(String name) {
        Map<String, String> env = new HashMap<>();
        environment(name).forEach((key, value) -> env.put(key, String.valueOf(value)));
        String profile = env.get("QUARKUS_PROFILE");
        assertThat(profile).as(name + " profile").isEqualTo("local");
        try {
            SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                    .addDefaultInterceptors()
                    .withConverter(Duration.class, 100, new DurationConverter())
                    .withProfile(profile)
                    .withSources(new EnvConfigSource(env, 300))
                    .withSources(new PropertiesConfigSource(
                            ComposeFileTest.class.getClassLoader().getResource("application.properties"), 250));
            ConfigKeys.mappings().forEach(builder::withMapping);
            return builder.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Set<String> servicesOfProfile(String profile) {
        return services.keySet().stream().filter(name -> {
            Object profiles = service(name).get("profiles");
            return profile == null ? profiles == null : profiles != null && DeployFiles.list(profiles).contains(profile);
        }).collect(Collectors.toSet());
    }

    private Map<String, Object> service(String name) {
        return DeployFiles.map(Optional.ofNullable(services.get(name)).orElseThrow(() -> new AssertionError("no service " + name)));
    }

    private Map<String, Object> environment(String name) {
        return DeployFiles.map(service(name).get("environment"));
    }

    private List<Object> ports(String name) {
        return DeployFiles.list(service(name).get("ports"));
    }
}
