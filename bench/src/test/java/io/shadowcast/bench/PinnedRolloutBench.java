package io.shadowcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.IotSimulator;
import io.shadowcast.testing.MotoServer;
import io.shadowcast.testing.TestClients;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.iotdataplane.IotDataPlaneClient;
import software.amazon.awssdk.services.iotdataplane.model.ThrottlingException;

/**
 * The packaged service as a new user runs it: its own JVM, pinned to one core ({@code taskset -c 0}),
 * default settings but {@code max-rate}, against the IoT simulator (4,000 updates/s account quota) and
 * moto, both pinned to the other core. For each latency it runs two all-things rollouts on the same
 * running service and measures the second: updates/s, share of the quota, throttled share, and the
 * service's CPU milliseconds per update from {@code /proc/<pid>/stat} over that rollout.
 *
 * <p>Baselines in the same run: the plain sequential loop (one update after the other, on a sample),
 * and, when {@code -Dbench.baseline-jar=<path to an earlier quarkus-run.jar>} is given, that build
 * measured the same way (with the settings it needed: {@code concurrency=128},
 * {@code -Dhttp.maxConnections=200}).
 *
 * <p>Needs the package phase first: {@code ./mvnw -B package -DskipTests}, then
 * {@code ./mvnw -B -Pbench verify -Dtest=PinnedRolloutBench -Dsurefire.failIfNoSpecifiedTests=false}.
 * Sizes: {@code -Dbench.things} (default 30,000), {@code -Dbench.heap} (default 384m: the heap the image's
 * {@code run-java.sh} gives the service under the Kubernetes manifest's 512 MiB limit, the smaller of the two
 * deployments the project ships; the heap check runs 100,000 things at 96m).
 */
class PinnedRolloutBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUOTA = 4_000;
    private static final int THINGS = Integer.getInteger("bench.things", 30_000);
    private static final String HEAP = System.getProperty("bench.heap", "384m");
    private static final long[] LATENCIES = java.util.Arrays.stream(System.getProperty("bench.latencies", "20,100")
            .split(",")).mapToLong(Long::parseLong).toArray();
    private static final String BASELINE_JAR = System.getProperty("bench.baseline-jar", "");
    private static final String BASELINE_SETUP = System.getProperty("bench.baseline-setup", "tuned");
    private static final int SEQUENTIAL_SAMPLE = 200;
    private static final String BUCKET = "shadowcast-artifacts";
    private static final String GROUP = "pinned";
    /** -Dbench.only-all-things=true: only the all-things rollouts (the heap check with a large fleet). */
    private static final boolean ONLY_ALL_THINGS = Boolean.getBoolean("bench.only-all-things");
    /** Only the over-quota line, for this build and the earlier one if given: an A/B of the adaptive rate. */
    private static final boolean ONLY_OVER_QUOTA = Boolean.getBoolean("bench.only-over-quota");
    /** -Dbench.jfr=<directory>: each service JVM records a JFR profile there. */
    private static final String JFR = System.getProperty("bench.jfr", "");
    /** -Dbench.repeats=N: the measured rollout N times on each service JVM, a line each (runs vary by up to 1.5x). */
    private static final int REPEATS = Integer.getInteger("bench.repeats", 1);
    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    /** One service build under one setting; {@code metadata} of the uploads chooses the target (none: all things). */
    private record Setup(String name, Path jar, Map<String, String> settings, Map<String, String> metadata) {

        Setup(String name, Path jar, Map<String, String> settings) {
            this(name, jar, settings, Map.of());
        }
    }

    /**
     * What one measured rollout did. {@code writesSeconds}: from the first accepted update to the one that
     * completed every thing, as the simulator counted them (a snapshot's writes end before its fresh
     * listing does; the record's start also includes hashing the object).
     */
    private record Run(String setup, long latencyMs, double maxRate, double firstRate, long updated, double seconds,
            double writesSeconds, long requests, long throttled, double cpuMillis, long hashed, String status,
            double[] coresBusy, double motoCpuMillis) {

        double rate() {
            return updated / seconds;
        }

        String line() {
            return String.format(Locale.ROOT,
                    "  %-26s %4d ms  max-rate %5.0f: %6.0f updates/s (%3.0f%% of the quota), all written at %6.0f/s (%3.0f%%), "
                            + "%5.2f%% throttled, %.3f ms CPU per update, %d/%d shadows right, %s; "
                            + "first rollout after the start %6.0f/s; cores busy: service %3.0f%%, simulator+moto %3.0f%% "
                            + "(moto %.3f ms CPU per update)",
                    setup, latencyMs, maxRate, rate(), 100 * rate() / QUOTA, hashed / writesSeconds, 100 * hashed / writesSeconds / QUOTA,
                    100.0 * throttled / Math.max(1, requests), cpuMillis / Math.max(1, updated), hashed, THINGS,
                    status, firstRate, 100 * coresBusy[0], 100 * coresBusy[1], motoCpuMillis / Math.max(1, updated));
        }
    }

    @Test
    void updatesPerSecondAndCpuPerUpdateOnOneCore() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")) || Files.isExecutable(Path.of("/bin/taskset")),
                () -> { System.out.println("PinnedRolloutBench skipped: taskset is missing (Linux util-linux)"); return "no taskset"; });
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                () -> { System.out.println("PinnedRolloutBench skipped: needs two cores"); return "one core"; });
        Assumptions.assumeTrue(Files.isRegularFile(JAR),
                () -> { System.out.println("PinnedRolloutBench skipped: " + JAR + " missing; run ./mvnw -B package -DskipTests first"); return "no jar"; });
        // this JVM (driver and simulator) and moto, started from it, on core 1; the service on core 0
        pin(ProcessHandle.current().pid(), "1");

        List<Setup> setups = new ArrayList<>();
        if (Boolean.getBoolean("bench.netty")) {
            setups.add(new Setup("this build, netty", JAR, Map.of("shadowcast.rollout.http-client", "netty")));
        }
        setups.add(new Setup("this build, all things", JAR, Map.of()));
        if (!ONLY_ALL_THINGS) {
            setups.add(new Setup("this build, thing group", JAR, Map.of(), Map.of("shadowcast-thing-group", GROUP)));
        }
        if (!BASELINE_JAR.isEmpty()) {
            // tuned: the settings an old sync writer needed; group, all-things: an earlier build with its defaults
            setups.add(switch (BASELINE_SETUP) {
                case "tuned" -> new Setup("earlier build, tuned", Path.of(BASELINE_JAR),
                        Map.of("shadowcast.rollout.concurrency", "128", "http.maxConnections", "200"));
                case "group" -> new Setup("earlier build, group", Path.of(BASELINE_JAR), Map.of(),
                        Map.of("shadowcast-thing-group", GROUP));
                case "all-things" -> new Setup("earlier build, all things", Path.of(BASELINE_JAR), Map.of());
                default -> throw new IllegalArgumentException("bench.baseline-setup must be tuned, group or all-things");
            });
        }
        List<Run> runs = new ArrayList<>();
        List<String> sequential = new ArrayList<>();
        try (IotSimulator simulator = IotSimulator.start(IotSimulator.Faults.NONE, 1)) {
            for (int i = 0; i < THINGS; i++) {
                simulator.addToGroup(GROUP, String.format(Locale.ROOT, "pinned-%06d", i));
            }
            for (long latency : ONLY_OVER_QUOTA ? new long[0] : LATENCIES) {
                simulator.setFaults(new IotSimulator.Faults(QUOTA, latency, 0, 0));
                for (Setup setup : setups) {
                    runs.addAll(measure(setup, simulator, latency, QUOTA));
                }
                sequential.add(sequential(simulator, latency));
            }
            simulator.setFaults(new IotSimulator.Faults(QUOTA, 20, 0, 0));
            if (!ONLY_ALL_THINGS) {
                runs.addAll(measure(new Setup("over quota, thing group", JAR, Map.of(),
                        Map.of("shadowcast-thing-group", GROUP)), simulator, 20, 2 * QUOTA));
            }
            // the writes from a snapshot: the adaptive rate alone, not the pages' listing and recording on the emulator
            if (!ONLY_ALL_THINGS || ONLY_OVER_QUOTA) {
                runs.addAll(measure(new Setup("over quota, all things", JAR, Map.of()), simulator, 20, 2 * QUOTA));
            }
            if (ONLY_OVER_QUOTA && !BASELINE_JAR.isEmpty()) {
                runs.addAll(measure(new Setup("over quota, earlier build", Path.of(BASELINE_JAR), Map.of(),
                        "all-things".equals(BASELINE_SETUP) ? Map.of() : Map.of("shadowcast-thing-group", GROUP)),
                        simulator, 20, 2 * QUOTA));
            }
        }

        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "Pinned rollout benchmark: %d things, account quota %d updates/s, service on core 0 with -Xmx%s, "
                        + "simulator and moto on core 1%n", THINGS, QUOTA, HEAP));
        runs.forEach(run -> report.append(run.line()).append('\n'));
        sequential.forEach(line -> report.append(line).append('\n'));
        BenchFleet.report("pinned-rollout.txt", report.toString());

        for (Run run : runs) {
            assertThat(run.status()).as(run.line()).isEqualTo("SUCCEEDED");
            assertThat(run.hashed()).as(run.line()).isEqualTo(THINGS);
        }
    }

    /**
     * Each setup on a fresh emulator: moto walks a whole table for every Query, so the ledger items and the
     * timeout sweep of the setups before would slow the later ones (on DynamoDB a Query reads only its matches).
     */
    private List<Run> measure(Setup setup, IotSimulator simulator, long latency, double maxRate) throws Exception {
        try (MotoServer moto = MotoServer.start(); TestClients aws = TestClients.of(moto.endpoint())) {
            return measure(setup, moto, simulator, aws, latency, maxRate);
        }
    }

    private List<Run> measure(Setup setup, MotoServer moto, IotSimulator simulator, TestClients aws, long latency, double maxRate)
            throws Exception {
        Map<String, String> settings = new HashMap<>(setup.settings());
        settings.put("shadowcast.provision.things", "");
        // the queues' long polls as in production (the test harness's 1 s is for quick tests)
        settings.put("shadowcast.sqs.wait-time", "20s");
        settings.put("shadowcast.rollout.max-rate", Double.toString(maxRate));
        settings.put("shadowcast.aws.iot.endpoint-override", simulator.endpoint().toString());
        settings.put("shadowcast.aws.iot-data.endpoint-override", simulator.endpoint().toString());
        String name = "pinned-" + setup.name().replaceAll("\\W+", "-") + "-" + latency + "ms";
        List<String> launcher = new ArrayList<>(List.of("taskset", "-c", "0"));
        if (!JFR.isEmpty()) {
            launcher.addAll(0, List.of("env", "JAVA_TOOL_OPTIONS=-XX:StartFlightRecording=filename=" + JFR + "/" + name
                    + ".jfr,settings=profile"));
        }
        try (AppProcess app = AppProcess.start(name, moto.endpoint(), HEAP, settings, setup.jar(), launcher)) {
            JsonNode first = rollout(app, aws, content(1), setup.metadata(), null, null);
            List<Run> runs = new ArrayList<>();
            for (int repeat = 1; repeat <= REPEATS; repeat++) {
                simulator.resetCounters();
                double cpuBefore = cpuMillis(app.pid());
                double motoBefore = cpuMillis(moto.pid());
                long[][] coresBefore = coreTicks();
                byte[] content = content(1 + repeat);
                String sha256 = sha256(content);
                simulator.countUpdatesContaining(sha256);
                long[] allWrittenAt = {0, 0};
                JsonNode measured = rollout(app, aws, content, setup.metadata(),
                        () -> simulator.updatesContaining(sha256), allWrittenAt);
                double cpu = cpuMillis(app.pid()) - cpuBefore;
                double motoCpu = cpuMillis(moto.pid()) - motoBefore;
                double[] coresBusy = busyShare(coresBefore, coreTicks());
                long hashed = simulator.thingNames().stream().filter(thing -> simulator.shadow(thing, null)
                        .map(s -> sha256.equals(s.path("state").path("desired").path("s3").path("hash").asText()))
                        .orElse(false)).count();
                double writesSeconds = Math.max(1, allWrittenAt[0] - allWrittenAt[1]) / 1000.0;
                runs.add(new Run(setup.name() + (REPEATS > 1 ? " #" + repeat : ""), latency, maxRate, rate(first),
                        measured.path("counts").path("updated").asLong(), seconds(measured), writesSeconds,
                        simulator.updateRequests(), simulator.throttled(), cpu, hashed,
                        measured.path("status").asText(), coresBusy, motoCpu));
            }
            return runs;
        }
    }

    /** The plain loop on a sample: one update after the other, a second's pause on throttling. */
    private static String sequential(IotSimulator simulator, long latency) throws InterruptedException {
        try (IotDataPlaneClient iotData = IotDataPlaneClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(simulator.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build()) {
            SdkBytes payload = SdkBytes.fromUtf8String("{\"state\":{\"desired\":{\"s3\":{\"hash\":\"plain\"}}}}");
            List<String> sample = simulator.thingNames().subList(0, SEQUENTIAL_SAMPLE);
            long started = System.nanoTime();
            for (String thing : sample) {
                try {
                    iotData.updateThingShadow(r -> r.thingName(thing).payload(payload));
                } catch (ThrottlingException e) {
                    Thread.sleep(1_000);
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            return String.format(Locale.ROOT, "  %-22s %4d ms: %6.1f updates/s (%d things one after the other)",
                    "plain sequential loop", latency, sample.size() / seconds, sample.size());
        }
    }

    /**
     * Uploads and waits for the rollout's record to end; with {@code written} given, notes in
     * {@code allWrittenAt[0]} the epoch millisecond when it first reached every thing, in {@code [1]} when it
     * reached the first.
     */
    private static JsonNode rollout(AppProcess app, TestClients aws, byte[] content, Map<String, String> metadata,
            java.util.function.LongSupplier written, long[] allWrittenAt) throws Exception {
        String key = "pinned/" + System.nanoTime() + ".bin";
        // the simulator's count is sampled on its own thread: a status request to the busy service may take long
        java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        if (written != null) {
            sampler.scheduleAtFixedRate(() -> {
                long count = written.getAsLong();
                if (allWrittenAt[1] == 0 && count > 0) {
                    allWrittenAt[1] = System.currentTimeMillis();
                }
                if (allWrittenAt[0] == 0 && count >= THINGS) {
                    allWrittenAt[0] = System.currentTimeMillis();
                }
            }, 0, 5, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        try {
            aws.s3().putObject(r -> r.bucket(BUCKET).key(key).metadata(metadata), RequestBody.fromBytes(content));
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (System.nanoTime() < deadline) {
                for (JsonNode item : get(app, "/rollouts?limit=100").path("items")) {
                    if (key.equals(item.path("key").asText()) && !"RUNNING".equals(item.path("status").asText())
                            && !"QUEUED".equals(item.path("status").asText()) && item.hasNonNull("endedAt")) {
                        return item;
                    }
                }
                Thread.sleep(500);
            }
        } finally {
            sampler.shutdownNow();
            sampler.awaitTermination(1, java.util.concurrent.TimeUnit.SECONDS); // its writes visible here
        }
        throw new AssertionError("the rollout of " + key + " did not end within 10 minutes");
    }

    private static double rate(JsonNode record) {
        return record.path("counts").path("updated").asLong() / seconds(record);
    }

    private static double seconds(JsonNode record) {
        return Duration.between(Instant.parse(record.path("startedAt").asText()),
                Instant.parse(record.path("endedAt").asText())).toMillis() / 1000.0;
    }

    /** User plus system CPU time of a process, from /proc/<pid>/stat (fields 14 and 15, in clock ticks). */
    private static double cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 1000.0 / clockTicksPerSecond();
    }

    /** Busy and total clock ticks of cores 0 and 1, from /proc/stat ("cpuN user nice system idle iowait ..."). */
    private static long[][] coreTicks() throws IOException {
        long[][] ticks = new long[2][2];
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            for (int core = 0; core < 2; core++) {
                if (line.startsWith("cpu" + core + " ")) {
                    long[] values = java.util.Arrays.stream(line.trim().split("\\s+")).skip(1).mapToLong(Long::parseLong)
                            .toArray();
                    long total = java.util.Arrays.stream(values).sum();
                    ticks[core] = new long[] {total - values[3] - values[4], total};
                }
            }
        }
        return ticks;
    }

    /** The share of each core's time it was busy between two readings: which side of the benchmark was the limit. */
    private static double[] busyShare(long[][] before, long[][] after) {
        double[] shares = new double[2];
        for (int core = 0; core < 2; core++) {
            shares[core] = (double) (after[core][0] - before[core][0]) / Math.max(1, after[core][1] - before[core][1]);
        }
        return shares;
    }

    private static long clockTicksPerSecond() throws IOException {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
            try (InputStream out = getconf.getInputStream()) {
                return Long.parseLong(new String(out.readAllBytes()).trim());
            }
        } catch (IOException | NumberFormatException e) {
            return 100;
        }
    }

    private static void pin(long pid, String cpus) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        assertThat(exit).as("taskset -a -p -c %s %d", cpus, pid).isZero();
    }

    private static JsonNode get(AppProcess app, String path) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) app.base().resolve(path).toURL().openConnection();
        connection.setConnectTimeout(2_000);
        connection.setReadTimeout(20_000);
        try (InputStream in = connection.getInputStream()) {
            return JSON.readTree(in);
        } finally {
            connection.disconnect();
        }
    }

    private static byte[] content(int seed) {
        byte[] content = new byte[64 * 1024];
        new Random(seed).nextBytes(content);
        return content;
    }

    private static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
