package io.shadowcast.deploy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.shadowcast.testing.ConsumersOff;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The endpoints that Kubernetes, Docker and ECS probe are served by the running application. */
@QuarkusTest
@TestProfile(ConsumersOff.class)
class ProbeEndpointsTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void everyKubernetesProbeAnswers200() {
        Container container = KubernetesManifests.deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
        List<String> paths = List.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe())
                .stream().map(Probe::getHttpGet).map(get -> get.getPath()).toList();

        assertThat(paths).containsExactly("/q/health/started", "/q/health/live", "/q/health/ready");
        paths.forEach(path -> given().get(path).then().statusCode(200));
    }

    /** The image's HEALTHCHECK, and ECS's, run this script; here it runs against the test application. */
    @Test
    void imageHealthCheckPassesOnTheApplicationAndFailsOtherwise() throws Exception {
        List<String> command = ContainerImage.healthCheckCommand();
        String path = command.get(1);

        assertThat(healthCheck(path, root.getPort())).as("exit code for " + path).isZero();
        assertThat(healthCheck("/q/health/none", root.getPort())).as("exit code for a missing page").isEqualTo(1);
        assertThat(healthCheck(path, unusedPort())).as("exit code with nothing listening").isEqualTo(1);
    }

    private static int healthCheck(String path, int port) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "docker/healthcheck.sh", path));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        Process process = builder.start();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("health check finished").isTrue();
        process.getInputStream().readAllBytes();
        return process.exitValue();
    }

    private static int unusedPort() throws IOException {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
