package io.shadowcast.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dockerfile, .dockerignore and the scripts the image runs. */
class ContainerImageTest {

    @Test
    void buildsWithTheWrapperOnAJdkAndRunsTheFastJarOnAJre() {
        List<String> stages = Pattern.compile("(?m)^FROM (\\S+)").matcher(DeployFiles.read(ContainerImage.DOCKERFILE))
                .results().map(m -> m.group(1)).toList();
        String dockerfile = DeployFiles.read(ContainerImage.DOCKERFILE);

        assertThat(stages).containsExactly("eclipse-temurin:17-jdk", "eclipse-temurin:17-jre");
        assertThat(dockerfile).contains("RUN ./mvnw -B -q package").contains("COPY --from=build /src/target/quarkus-app/lib/ ");
        assertThat(ContainerImage.uid()).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void imageScriptsAreCopiedAndExecutable() {
        String copy = ContainerImage.instruction("COPY");
        List<String> scripts = List.of(ContainerImage.entrypoint().get(0), ContainerImage.healthCheckCommand().get(0));

        for (String script : scripts) {
            String source = "docker/" + Path.of(script).getFileName();
            assertThat(script).startsWith("/deployments/");
            assertThat(copy).contains(source);
            assertThat(Files.isExecutable(DeployFiles.path(source))).as(source + " executable").isTrue();
        }
        assertThat(ContainerImage.healthCheckCommand()).containsExactly("/deployments/healthcheck.sh", "/q/health/live");
    }

    @Test
    void dockerignoreLetsThroughEverythingTheBuildCopies() {
        List<String> patterns = DeployFiles.read(".dockerignore").lines().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        List<String> sources = Pattern.compile("(?m)^COPY (?!--from)(.+) \\S+$").matcher(DeployFiles.read(ContainerImage.DOCKERFILE))
                .results().flatMap(m -> List.of(m.group(1).split("\\s+")).stream()).toList();

        assertThat(sources).contains("mvnw", "pom.xml", ".mvn/", "src/", "docker/run-java.sh");
        assertThat(sources).allSatisfy(source -> assertThat(ignored(patterns, source)).as(source + " ignored").isFalse());
        assertThat(ignored(patterns, "target")).isTrue();
        assertThat(ignored(patterns, ".git")).isTrue();
    }

    /** run-java.sh puts JAVA_OPTS after its container defaults, so that a flag given there wins. */
    @Test
    void runScriptHonoursJavaOptsAfterItsDefaults(@TempDir Path bin) throws Exception {
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

        List<String> args = run(List.of("sh", "docker/run-java.sh"), bin, "-XX:MaxRAMPercentage=50 -Dshadowcast.x=1");

        assertThat(args).containsSubsequence("-XX:MaxRAMPercentage=75.0", "-XX:MaxRAMPercentage=50", "-Dshadowcast.x=1",
                "-jar", "/deployments/quarkus-run.jar");
        assertThat(args).contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(run(List.of("sh", "docker/run-java.sh"), bin, "")).endsWith("-jar", "/deployments/quarkus-run.jar");
    }

    private static List<String> run(List<String> command, Path bin, String javaOpts) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().put("JAVA_OPTS", javaOpts);
        Process process = builder.start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().toList();
    }

    /** Docker's rule: the last pattern that matches decides; {@code !} lets a path through again. */
    private static boolean ignored(List<String> patterns, String source) {
        Path path = Path.of(source.replaceAll("/$", ""));
        boolean ignored = false;
        for (String pattern : patterns) {
            boolean exception = pattern.startsWith("!");
            String glob = (exception ? pattern.substring(1) : pattern).replaceAll("/$", "");
            // A rule for a directory also covers what is inside it.
            boolean matches = FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(path)
                    || (path.getNameCount() > 1 && FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(path.getName(0)));
            if (matches) {
                ignored = !exception;
            }
        }
        return ignored;
    }
}
