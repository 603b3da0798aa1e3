package io.shadowcast.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.testing.AppProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.model.ResourceNotFoundException;

/** What the tests of packaged service JVMs share: things, shadows, the rollout API, waiting. */
final class Fleet {

    static final ObjectMapper JSON = new ObjectMapper();

    private Fleet() {
    }

    /** Creates the things {@code names.apply(0..count-1)}, a few at a time. */
    static List<String> createThings(IotClient iot, int count, IntFunction<String> names) {
        List<String> created = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            created.add(names.apply(i));
        }
        parallel(created, name -> iot.createThing(r -> r.thingName(name)));
        return created;
    }

    /** Runs the action for every item on eight threads and fails if any failed. */
    static <T> void parallel(List<T> items, java.util.function.Consumer<T> action) {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(pool.submit(() -> action.accept(item)));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** desired.s3 of the thing's classic shadow, or a missing node when it has no shadow. */
    static JsonNode desiredS3(IotDataPlaneClient iotData, String thing) {
        try {
            String document = iotData.getThingShadow(r -> r.thingName(thing)).payload().asUtf8String();
            return JSON.readTree(document).path("state").path("desired").path("s3");
        } catch (ResourceNotFoundException e) {
            return JSON.missingNode();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Things whose shadow does not hold this url and hash. */
    static List<String> missingHash(IotDataPlaneClient iotData, List<String> things, String url, String sha256) {
        List<String> missing = java.util.Collections.synchronizedList(new ArrayList<>());
        parallel(things, thing -> {
            JsonNode s3 = desiredS3(iotData, thing);
            if (!url.equals(s3.path("url").asText()) || !sha256.equals(s3.path("hash").asText())) {
                missing.add(thing);
            }
        });
        return missing;
    }

    /** The rollout record of this key as the service's API shows it, if there is one yet. */
    static Optional<JsonNode> rolloutOf(AppProcess app, String key) {
        JsonNode page = get(app, "/rollouts?limit=100");
        for (JsonNode item : page.path("items")) {
            if (key.equals(item.path("key").asText())) {
                return Optional.of(item);
            }
        }
        return Optional.empty();
    }

    static JsonNode get(AppProcess app, String path) {
        try {
            return JSON.readTree(text(app, path));
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " gave no JSON: " + e.getMessage(), e);
        }
    }

    static String text(AppProcess app, String path) {
        try {
            HttpURLConnection connection = (HttpURLConnection) app.base().resolve(path).toURL().openConnection();
            connection.setConnectTimeout(2000);
            connection.setReadTimeout(20_000);
            try (InputStream in = connection.getInputStream()) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed: " + e.getMessage(), e);
        }
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, Duration.ofMillis(200), condition);
    }

    static void await(String what, Duration timeout, Duration every, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            sleep(every.toMillis());
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }

    /** Waits until the rollout of this key has a final status and returns its record. */
    static JsonNode awaitFinal(AppProcess app, String key, Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        try {
            await("the rollout of " + key + " to end", timeout, () -> {
                last[0] = rolloutOf(app, key).orElse(null);
                return last[0] != null && !"RUNNING".equals(last[0].path("status").asText());
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
        }
        return last[0];
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
