package io.shadowcast.deploy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough PromQL to find the metrics an expression reads: the vector selectors, with the label
 * values their matchers name ({@code label="value"}, or a plain alternation {@code label=~"a|b"}).
 * Function names, aggregation clauses, ranges, keywords, numbers and Grafana variables are not metrics.
 */
final class PromQl {

    /** A metric an expression reads and the label values it expects to find. */
    record Selector(String metric, Map<String, Set<String>> labelValues) {
    }

    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern SELECTOR = Pattern.compile(
            "(?<![\\w$.:])([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*})?(\\s*\\()?");
    private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(=~|!=|!~|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern ALTERNATION = Pattern.compile("[\\w|]+");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan");
    /** Labels Prometheus adds when it scrapes, not the service. */
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod");

    private PromQl() {
    }

    static List<Selector> selectors(String expression) {
        String text = RANGE.matcher(GROUPING.matcher(expression).replaceAll(" ")).replaceAll(" ");
        List<Selector> selectors = new ArrayList<>();
        Matcher matcher = SELECTOR.matcher(text);
        while (matcher.find()) {
            String name = matcher.group(1);
            boolean call = matcher.group(3) != null && matcher.group(2) == null;
            if (call || KEYWORDS.contains(name.toLowerCase())) {
                continue;
            }
            selectors.add(new Selector(name, labelValues(matcher.group(2))));
        }
        return selectors;
    }

    static Set<String> metrics(Collection<String> expressions) {
        Set<String> names = new TreeSet<>();
        expressions.forEach(expression -> selectors(expression).forEach(selector -> names.add(selector.metric())));
        return names;
    }

    private static Map<String, Set<String>> labelValues(String block) {
        Map<String, Set<String>> values = new LinkedHashMap<>();
        if (block == null) {
            return values;
        }
        Matcher matcher = MATCHER.matcher(block);
        while (matcher.find()) {
            String label = matcher.group(1);
            String operator = matcher.group(2);
            String value = matcher.group(3);
            if (TARGET_LABELS.contains(label)) {
                continue;
            }
            if (operator.equals("=")) {
                values.put(label, Set.of(value));
            } else if (operator.equals("=~") && ALTERNATION.matcher(value).matches()) {
                values.put(label, Set.of(value.split("\\|")));
            }
        }
        return values;
    }
}
