package io.shadowcast.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the Dockerfile promises: the user, the port, the health check command. */
final class ContainerImage {

    static final String DOCKERFILE = "Dockerfile";

    private ContainerImage() {
    }

    /** The numeric user the image runs as ({@code ARG APP_UID=...} then {@code USER ${APP_UID}}). */
    static long uid() {
        assertThat(instruction("USER")).isEqualTo("${APP_UID}");
        return Long.parseLong(match("(?m)^ARG APP_UID=(\\d+)$"));
    }

    static int exposedPort() {
        return Integer.parseInt(instruction("EXPOSE"));
    }

    /** The exec-form HEALTHCHECK command, e.g. {@code [/deployments/healthcheck.sh, /q/health/live]}. */
    static List<String> healthCheckCommand() {
        return execForm(match("(?m)^HEALTHCHECK .*CMD (\\[.*])$"));
    }

    static List<String> entrypoint() {
        return execForm(instruction("ENTRYPOINT"));
    }

    /** The argument of the last instruction of that name (the run stage's). */
    static String instruction(String name) {
        Matcher matcher = Pattern.compile("(?m)^" + name + " (.+)$").matcher(DeployFiles.read(DOCKERFILE));
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1).trim();
        }
        assertThat(last).as(name + " in the Dockerfile").isNotNull();
        return last;
    }

    private static String match(String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(DeployFiles.read(DOCKERFILE));
        assertThat(matcher.find()).as(regex + " in the Dockerfile").isTrue();
        return matcher.group(1);
    }

    private static List<String> execForm(String json) {
        assertThat(json).startsWith("[").endsWith("]");
        List<String> parts = Pattern.compile("\"([^\"]*)\"").matcher(json).results().map(m -> m.group(1)).toList();
        assertThat(parts).as(json).isNotEmpty();
        return parts;
    }
}
