package io.shadowcast.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** The repository's deployment files, read the way their tools read them. Tests run in the project directory. */
final class DeployFiles {

    private static final Path ROOT = Path.of("").toAbsolutePath();

    /** Compose's ${NAME}, ${NAME:-default} and ${NAME-default}; ${NAME:?message} has no default. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|:?\\?[^}]*)?}");

    private DeployFiles() {
    }

    static Path path(String relative) {
        Path path = ROOT.resolve(relative);
        assertThat(path).as(relative).isRegularFile();
        return path;
    }

    static String read(String relative) {
        try {
            String text = Files.readString(path(relative));
            assertThat(text).as(relative).isNotBlank();
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A YAML file with one document, as maps, lists and scalars. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String relative) {
        Object document = new Yaml(new SafeConstructor(new LoaderOptions())).load(read(relative));
        assertThat(document).as(relative).isInstanceOf(Map.class);
        return (Map<String, Object>) document;
    }

    /**
     * A docker compose file after variable substitution with an empty environment, as docker compose
     * would see it on a machine where none of the variables is set.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> composeFile(String relative) {
        Matcher matcher = VARIABLE.matcher(read(relative).replace("$$", "\u0000"));
        StringBuilder text = new StringBuilder();
        while (matcher.find()) {
            String fallback = matcher.group(2) != null ? matcher.group(3) : "";
            matcher.appendReplacement(text, Matcher.quoteReplacement(fallback));
        }
        matcher.appendTail(text);
        Object document = new Yaml(new SafeConstructor(new LoaderOptions())).load(text.toString().replace("\u0000", "$"));
        assertThat(document).as(relative).isInstanceOf(Map.class);
        return (Map<String, Object>) document;
    }

    /**
     * A CloudFormation template. The short-form tags become the long form that CloudFormation itself
     * uses ({@code !Ref X} is {@code {Ref: X}}, {@code !GetAtt A.B} is {@code {Fn::GetAtt: [A, B]}}), so
     * that a test can follow every reference.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> cloudFormationTemplate(String relative) {
        Object document = new Yaml(new CloudFormationConstructor()).load(read(relative));
        assertThat(document).as(relative).isInstanceOf(Map.class);
        return (Map<String, Object>) document;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Object>) value;
    }

    private static final class CloudFormationConstructor extends SafeConstructor {

        private static final List<String> FUNCTIONS = List.of("Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs",
                "ImportValue", "Join", "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or");

        CloudFormationConstructor() {
            super(new LoaderOptions());
            yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
            FUNCTIONS.forEach(name -> yamlConstructors.put(new Tag("!" + name), new Intrinsic("Fn::" + name)));
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String key;

            Intrinsic(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                Object argument;
                if (node instanceof ScalarNode scalar) {
                    String value = constructScalar(scalar);
                    argument = key.equals("Fn::GetAtt") ? List.of(value.split("\\.", 2)) : value;
                } else if (node instanceof SequenceNode sequence) {
                    argument = new ArrayList<>(constructSequence(sequence));
                } else {
                    argument = constructMapping((MappingNode) node);
                }
                return Map.of(key, argument);
            }
        }
    }
}
