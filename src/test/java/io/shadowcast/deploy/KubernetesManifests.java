package io.shadowcast.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The manifests under k8s/, read into fabric8 Kubernetes model objects. */
final class KubernetesManifests {

    static final String DIRECTORY = "k8s";

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private KubernetesManifests() {
    }

    /** Every YAML file under k8s/, optional/ included, relative to the project. */
    static List<String> files() {
        try (Stream<Path> paths = Files.walk(Path.of(DIRECTORY))) {
            List<String> files = paths.filter(Files::isRegularFile)
                    .map(Path::toString)
                    .filter(name -> name.endsWith(".yaml") || name.endsWith(".yml"))
                    .sorted()
                    .toList();
            assertThat(files).as("files under " + DIRECTORY).isNotEmpty();
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects of one file; a file may hold several documents separated by {@code ---}. */
    static List<HasMetadata> objects(String file) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : DeployFiles.read(file).split("(?m)^---\\s*$")) {
            if (document.lines().anyMatch(line -> !line.isBlank() && !line.stripLeading().startsWith("#"))) {
                Object parsed = SERIALIZATION.unmarshal(document);
                assertThat(parsed).as(file).isInstanceOf(HasMetadata.class);
                objects.add((HasMetadata) parsed);
            }
        }
        assertThat(objects).as(file).isNotEmpty();
        return objects;
    }

    /** The one object of the given type in a file. */
    static <T extends HasMetadata> T only(String file, Class<T> type) {
        List<HasMetadata> objects = objects(file);
        assertThat(objects).as(file).hasSize(1).first().isInstanceOf(type);
        return type.cast(objects.get(0));
    }

    static Deployment deployment() {
        return only(DIRECTORY + "/deployment.yaml", Deployment.class);
    }

    /**
     * Fields that the model does not know (fabric8 keeps them aside instead of failing), e.g. a
     * misspelt {@code readinesProbe}. Custom resources are all such fields, so they are not walked.
     */
    static List<String> unknownFields(Object model) {
        List<String> unknown = new ArrayList<>();
        walk(model, model.getClass().getSimpleName(), unknown);
        return unknown;
    }

    private static void walk(Object value, String path, List<String> unknown) {
        if (value == null || value instanceof GenericKubernetesResource) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (value instanceof Map<?, ?> entries) {
            entries.forEach((key, item) -> walk(item, path + "." + key, unknown));
            return;
        }
        if (!value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : getters(value.getClass())) {
            Object child = invoke(getter, value);
            if (getter.getName().equals("getAdditionalProperties")) {
                ((Map<?, ?>) child).keySet().forEach(key -> unknown.add(path + "." + key));
            } else {
                walk(child, path + "." + getter.getName().substring(3), unknown);
            }
        }
    }

    private static List<Method> getters(Class<?> type) {
        return Arrays.stream(type.getMethods())
                .filter(m -> m.getName().startsWith("get") && m.getParameterCount() == 0
                        && !Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() != Object.class)
                .toList();
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(getter + ": " + e.getMessage(), e);
        }
    }
}
