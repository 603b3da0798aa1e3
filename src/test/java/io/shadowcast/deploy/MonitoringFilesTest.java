package io.shadowcast.deploy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.rollout.RolloutStore;
import io.shadowcast.testing.UploadedRollouts;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * k8s/optional/: the Grafana dashboard and the PrometheusRule use only metric names (and label values)
 * that the running application exports at /q/metrics, so that no panel or alert stays silently empty.
 */
@QuarkusTest
class MonitoringFilesTest {

    private static final String DASHBOARD = KubernetesManifests.DIRECTORY + "/optional/grafana-dashboard.json";
    private static final String RULES = KubernetesManifests.DIRECTORY + "/optional/prometheus-rule.yaml";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject S3Client s3;
    @Inject RolloutConfig config;
    @Inject RolloutStore rollouts;

    /**
     * The writer's rate gauge is registered by the first rollout: one runs to its end here (to the
     * things of the test application), so that every meter exists and nothing is left writing.
     */
    @BeforeEach
    void produceEveryMeter() {
        String key = "monitoring/" + UUID.randomUUID() + ".bin";
        s3.putObject(r -> r.bucket(config.bucket()).key(key), RequestBody.fromString("x"));
        String id = UploadedRollouts.awaitIdOf(rollouts, config.bucket(), key, TIMEOUT);
        await("rollout " + id + " of " + key + " ended").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/rollouts/" + id).then().extract().path("status"),
                        status -> status != null && !status.equals("RUNNING"));
    }

    @Test
    void everyDashboardQueryUsesExportedMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DeployFiles.read(DASHBOARD));
        List<String> expressions = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText())));
        dashboard.path("templating").path("list").forEach(variable -> {
            if (variable.has("definition")) {
                // label_values(metric, label): the metric must exist; the label is Prometheus' own (job)
                expressions.add(variable.path("definition").asText().replaceFirst("^label_values\\((\\w+),.*$", "$1"));
            }
        });

        assertThat(dashboard.path("uid").asText()).isEqualTo("shadowcast");
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(15).doesNotContain("");
        assertExported(DASHBOARD, expressions);
        assertThat(PromQl.metrics(expressions)).as("what the dashboard shows").containsAll(List.of(
                "shadowcast_rollout_updates_total", "shadowcast_rollouts_total", "shadowcast_rollout_throttled_retries_total",
                "shadowcast_rollout_rate", "shadowcast_presence_due_checks", "shadowcast_presence_oldest_due_age_seconds",
                "shadowcast_presence_checks_total", "shadowcast_sqs_in_flight", "shadowcast_sqs_messages_total"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertRuleUsesExportedMetrics() {
        Map<String, Object> rule = DeployFiles.yaml(RULES);
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) ((Map<String, Object>) rule.get("spec")).get("groups")) {
            for (Map<String, Object> alert : (List<Map<String, Object>>) group.get("rules")) {
                assertThat(alert).containsKeys("alert", "expr", "labels", "annotations");
                expressions.add(String.valueOf(alert.get("expr")));
            }
        }

        assertThat(rule).containsEntry("apiVersion", "monitoring.coreos.com/v1").containsEntry("kind", "PrometheusRule");
        assertExported(RULES, expressions);
        // the three alerts the README recommends
        assertThat(PromQl.metrics(expressions)).contains("shadowcast_sqs_messages_total",
                "shadowcast_presence_oldest_due_age_seconds", "shadowcast_rollouts_total");
    }

    private static void assertExported(String file, List<String> expressions) {
        Map<String, Map<String, Set<String>>> exported = PrometheusText.parse(metrics());
        for (String expression : expressions) {
            List<PromQl.Selector> selectors = PromQl.selectors(expression);
            assertThat(selectors).as(file + ": metrics in " + expression).isNotEmpty();
            for (PromQl.Selector selector : selectors) {
                assertThat(exported.containsKey(selector.metric()))
                        .as(file + ": " + selector.metric() + " (in " + expression + ") is exported").isTrue();
                selector.labelValues().forEach((label, values) -> assertThat(exported.get(selector.metric()).get(label))
                        .as(file + ": " + selector.metric() + " has label " + label + " with " + values)
                        .isNotNull().containsAll(values));
            }
        }
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }
}
