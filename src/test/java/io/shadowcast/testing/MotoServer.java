package io.shadowcast.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A moto server process on a free loopback port: the local AWS that the tests talk to through the
 * real SDK clients, started through {@code scripts/moto_server.py}, which makes DynamoDB conditional
 * writes atomic as they are on AWS (several replicas racing for one check must see one winner). Uses the machine's python3 when it has moto; otherwise installs
 * {@code moto[server]} into a virtual environment under {@code target/}; otherwise fails with a
 * message that says what to install.
 */
public final class MotoServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Path VENV = Path.of("target", "moto-venv");
    /** moto's server with atomic DynamoDB conditional writes, as the local run uses it. */
    private static final Path LAUNCHER = Path.of("scripts", "moto_server.py");

    private final Process process;
    private final URI endpoint;

    private MotoServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public static MotoServer start() {
        return start(freePort());
    }

    public static MotoServer start(int port) {
        String python = pythonWithMoto();
        try {
            Path log = Files.createDirectories(Path.of("target")).resolve("moto-" + port + ".log");
            Process process = new ProcessBuilder(python, LAUNCHER.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            MotoServer server = new MotoServer(process, URI.create("http://127.0.0.1:" + port));
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
            server.awaitReady(log);
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start moto with " + python + ": " + e.getMessage(), e);
        }
    }

    /** The emulator's process id, for benchmarks that read its CPU time. */
    public long pid() {
        return process.pid();
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Forgets every resource, as a new server would. */
    public void reset() {
        request("POST", "/moto-api/reset");
    }

    private void awaitReady(Path log) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto exited with " + process.exitValue() + "; see " + log.toAbsolutePath());
            }
            try {
                if (request("GET", "/moto-api/") < 500) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // still starting
            }
            sleep(100);
        }
        close();
        throw new IllegalStateException("moto did not answer within " + START_TIMEOUT + "; see " + log.toAbsolutePath());
    }

    private int request(String method, String path) {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint.resolve(path).toURL().openConnection();
            connection.setRequestMethod(method);
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(10_000);
            int status = connection.getResponseCode();
            connection.disconnect();
            return status;
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** python3 if it imports moto.server, else a venv under target/ with moto[server] installed. */
    private static String pythonWithMoto() {
        if (run(List.of("python3", "-c", "import moto.server"))) {
            return "python3";
        }
        String venvPython = VENV.resolve("bin").resolve("python").toString();
        if (Files.isExecutable(Path.of(venvPython)) && run(List.of(venvPython, "-c", "import moto.server"))) {
            return venvPython;
        }
        boolean installed = run(List.of("python3", "-m", "venv", VENV.toString()))
                && run(List.of(venvPython, "-m", "pip", "install", "--quiet", "moto[server]==5.2.1"))
                && run(List.of(venvPython, "-c", "import moto.server"));
        if (!installed) {
            throw new IllegalStateException("The tests need the moto AWS emulator. Install Python 3 and then "
                    + "'python3 -m pip install \"moto[server]==5.2.1\"' (or make PyPI reachable so the tests can "
                    + "install it into " + VENV.toAbsolutePath() + " themselves).");
        }
        return venvPython;
    }

    private static boolean run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free port: " + e.getMessage(), e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
