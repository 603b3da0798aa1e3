package io.shadowcast.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.ConfigMappings;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The configuration keys the service reads, so that the deployment files can be checked against them,
 * and the environment variable name of each (as SmallRye Config maps them: every character that is not
 * a letter or digit becomes {@code _}, letters become upper case).
 */
final class ConfigKeys {

    private static final String CONFIG_PACKAGE = "io/shadowcast/config";

    /** Read by what runs the application rather than by its configuration: the AWS SDK's region chain, the image's entry point. */
    static final Set<String> CONTAINER_ENV = Set.of("AWS_REGION", "JAVA_OPTS");

    /** A profile is chosen from outside application.properties. */
    private static final Set<String> QUARKUS_KEYS = Set.of("quarkus.profile");

    private ConfigKeys() {
    }

    /** Every {@code @ConfigMapping} interface of the service. */
    static List<Class<?>> mappings() {
        try {
            URL url = ConfigKeys.class.getClassLoader().getResource(CONFIG_PACKAGE);
            assertThat(url).as(CONFIG_PACKAGE).isNotNull();
            try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                List<Class<?>> mappings = files.map(file -> file.getFileName().toString())
                        .filter(name -> name.endsWith(".class") && !name.contains("$"))
                        .map(name -> load(CONFIG_PACKAGE.replace('/', '.') + "." + name.replace(".class", "")))
                        .filter(type -> type.isAnnotationPresent(ConfigMapping.class))
                        .sorted((a, b) -> a.getName().compareTo(b.getName()))
                        .collect(Collectors.toList());
                assertThat(mappings).as("config interfaces").isNotEmpty();
                return mappings;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys that the config interfaces and application.properties declare. */
    static Set<String> declared() {
        Set<String> keys = new HashSet<>(QUARKUS_KEYS);
        for (Class<?> mapping : mappings()) {
            ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(mapping)).keySet().stream()
                    .filter(key -> !key.contains("*"))
                    .forEach(keys::add);
        }
        applicationProperties().stringPropertyNames().stream().map(ConfigKeys::withoutProfile).forEach(keys::add);
        return keys;
    }

    /**
     * The variables that name the AWS resources (queues, bucket, tables, topic) and the region: what every
     * deployment has to set and what the CloudFormation stack outputs.
     */
    static List<String> resourceVariables() {
        List<String> keys = List.of("shadowcast.rollout.queue", "shadowcast.rollout.bucket", "shadowcast.rollout.table",
                "shadowcast.presence.queue", "shadowcast.presence.table", "shadowcast.presence.topic", "shadowcast.join.queue",
                "shadowcast.converge.queue", "shadowcast.converge.table");
        assertThat(declared()).containsAll(keys);
        return Stream.concat(Stream.of("AWS_REGION"), keys.stream().map(ConfigKeys::envName)).toList();
    }

    /** The key that an environment variable sets, if the service has one by that name. */
    static Optional<String> keyOf(String envName) {
        return declared().stream()
                .filter(key -> envName(key).equals(envName))
                .findFirst();
    }

    /** True when the variable sets a configuration key or is read by the container itself. */
    static boolean isKnownEnv(String envName) {
        return CONTAINER_ENV.contains(envName) || keyOf(envName).isPresent();
    }

    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** The {@code @WithDefault} of a config interface method, e.g. the default queue name. */
    static String defaultOf(Class<?> mapping, String method) {
        try {
            WithDefault annotation = mapping.getMethod(method).getAnnotation(WithDefault.class);
            assertThat(annotation).as(mapping.getSimpleName() + "." + method + " default").isNotNull();
            return annotation.value();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(mapping.getSimpleName() + " has no " + method, e);
        }
    }

    /** A duration the way the service reads one ("20s", "5m", ISO-8601). */
    static Duration duration(String value) {
        return new DurationConverter().convert(value);
    }

    static Properties applicationProperties() {
        try (InputStream in = ConfigKeys.class.getClassLoader().getResourceAsStream("application.properties")) {
            assertThat(in).as("application.properties").isNotNull();
            Properties properties = new Properties();
            properties.load(in);
            assertThat(properties).isNotEmpty();
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code %local,test.quarkus.s3.endpoint-override} is the key {@code quarkus.s3.endpoint-override}. */
    private static String withoutProfile(String key) {
        return key.startsWith("%") ? key.substring(key.indexOf('.') + 1) : key;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ConfigKeys.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
