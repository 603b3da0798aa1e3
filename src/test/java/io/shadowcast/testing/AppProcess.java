package io.shadowcast.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app}) running as its own JVM, as it runs in a container:
 * for tests that kill it, cap its heap or run two replicas side by side. Runs with the {@code local}
 * profile against the given emulator.
 */
public final class AppProcess implements AutoCloseable {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final URI base;
    private final Path log;

    private AppProcess(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
    }

    /**
     * @param name       names the log file under target/
     * @param heap       e.g. "128m"
     * @param properties extra configuration, passed as system properties
     */
    public static AppProcess start(String name, URI emulator, String heap, Map<String, String> properties) {
        return start(name, emulator, heap, properties, JAR, List.of());
    }

    /**
     * @param jar      the packaged service to run ({@code quarkus-run.jar}), e.g. an earlier build to compare with
     * @param launcher words before {@code java}, e.g. {@code taskset -c 0} to pin it to one core
     */
    public static AppProcess start(String name, URI emulator, String heap, Map<String, String> properties, Path jar,
            List<String> launcher) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the package phase first (./mvnw verify does)");
        }
        int port = MotoServer.freePort();
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError",
                "-Dquarkus.profile=local",
                "-Dquarkus.http.port=" + port,
                "-Dshadowcast.local.endpoint=" + emulator,
                "-Dshadowcast.sqs.wait-time=1s"));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toString()));
        try {
            Path log = Files.createDirectories(Path.of("target")).resolve("app-" + name + ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            AppProcess app = new AppProcess(process, URI.create("http://127.0.0.1:" + port), log);
            Runtime.getRuntime().addShutdownHook(new Thread(app::kill));
            app.awaitReady(Duration.ofSeconds(60));
            return app;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start " + jar + ": " + e.getMessage(), e);
        }
    }

    public URI base() {
        return base;
    }

    /** The service's process id (a launcher such as taskset replaces itself with the JVM). */
    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** Ends the JVM at once (SIGKILL), as a crash or an OOM kill would: no shutdown hook, nothing flushed. */
    public void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** Graceful stop (SIGTERM), as Kubernetes or ECS stop a task. */
    @Override
    public void close() {
        process.destroy();
        if (!waitFor()) {
            kill();
        }
    }

    private boolean waitFor() {
        try {
            return process.waitFor(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with " + process.exitValue() + "; see " + log.toAbsolutePath());
            }
            if (status("/q/health/ready") == 200) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        kill();
        throw new IllegalStateException("the service was not ready within " + timeout + "; see " + log.toAbsolutePath());
    }

    private int status(String path) {
        try {
            HttpURLConnection connection = (HttpURLConnection) base.resolve(path).toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(5000);
            int status = connection.getResponseCode();
            connection.disconnect();
            return status;
        } catch (IOException e) {
            return -1;
        }
    }
}
