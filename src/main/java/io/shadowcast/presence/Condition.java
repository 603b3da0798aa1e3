package io.shadowcast.presence;

import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A DynamoDB condition expression with its attribute names and values, so that conditions are built
 * from named parts ({@link EventOrder}, {@link CheckStore}, {@link AlertProtocol}) and combined, instead
 * of being written out as strings in each call.
 */
record Condition(String expression, Map<String, String> names, Map<String, AttributeValue> values) {

    static Condition of(String expression, Map<String, String> names, Map<String, AttributeValue> values) {
        return new Condition(expression, Map.copyOf(names), Map.copyOf(values));
    }

    static Condition notExists(String placeholder, String attribute) {
        return of("attribute_not_exists(" + placeholder + ")", Map.of(placeholder, attribute), Map.of());
    }

    Condition and(Condition other) {
        return combine("AND", other);
    }

    Condition or(Condition other) {
        return combine("OR", other);
    }

    private Condition combine(String operator, Condition other) {
        Map<String, String> allNames = new HashMap<>(names);
        allNames.putAll(other.names);
        Map<String, AttributeValue> allValues = new HashMap<>(values);
        other.values.forEach((key, value) -> {
            AttributeValue previous = allValues.putIfAbsent(key, value);
            if (previous != null && !previous.equals(value)) {
                throw new IllegalStateException("placeholder " + key + " used for two values");
            }
        });
        return new Condition(group(expression) + " " + operator + " " + group(other.expression), allNames, allValues);
    }

    /** In parentheses, unless it already is one parenthesised group: DynamoDB rejects redundant ones. */
    private static String group(String expression) {
        if (expression.startsWith("(") && expression.endsWith(")")) {
            int depth = 0;
            for (int i = 0; i < expression.length(); i++) {
                depth += expression.charAt(i) == '(' ? 1 : expression.charAt(i) == ')' ? -1 : 0;
                if (depth == 0 && i < expression.length() - 1) {
                    return "(" + expression + ")";
                }
            }
            return expression;
        }
        return "(" + expression + ")";
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
