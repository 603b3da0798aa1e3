package io.shadowcast.deploy;

import static io.shadowcast.deploy.DeployFiles.list;
import static io.shadowcast.deploy.DeployFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shadowcast.config.ConvergeConfig;
import io.shadowcast.config.JoinConfig;
import io.shadowcast.config.PresenceConfig;
import io.shadowcast.config.ProvisionConfig;
import io.shadowcast.config.RolloutConfig;
import io.shadowcast.provision.TableProvisioner;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/aws/shadowcast.yaml: it parses, every reference resolves, and it creates what the service's
 * configuration expects, with the names, keys and indexes the provisioning code uses.
 */
class CloudFormationTemplateTest {

    private static final Set<String> PSEUDO_PARAMETERS = Set.of("AWS::AccountId", "AWS::Region", "AWS::Partition",
            "AWS::StackName", "AWS::StackId", "AWS::URLSuffix", "AWS::NoValue", "AWS::NotificationARNs");
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}!]+)}");

    private final Map<String, Object> template = DeployFiles.cloudFormationTemplate("deploy/aws/shadowcast.yaml");
    private final Map<String, Object> parameters = map(template.get("Parameters"));
    private final Map<String, Object> resources = map(template.get("Resources"));

    @Test
    void everyReferenceAndConditionResolves() {
        Set<String> refs = new HashSet<>();
        Set<String> conditions = new HashSet<>();
        collect(template, refs, conditions);

        assertThat(refs).contains("RolloutQueue", "PresenceQueue", "NamePrefix", "AWS::AccountId");
        assertThat(refs).allSatisfy(name -> assertThat(resources.containsKey(name) || parameters.containsKey(name)
                || PSEUDO_PARAMETERS.contains(name)).as("reference to " + name).isTrue());
        assertThat(conditions).isNotEmpty().isSubsetOf(map(template.get("Conditions")).keySet());
        assertThat(resources).allSatisfy((name, resource) -> {
            Object dependsOn = map(resource).get("DependsOn");
            if (dependsOn != null) {
                assertThat(resources).containsKey((String) dependsOn);
            }
        });
    }

    @Test
    void queuesAreNamedAsTheServiceExpectsWithDeadLetterQueues() {
        for (String queue : List.of("RolloutQueue", "PresenceQueue", "JoinQueue", "ReportQueue")) {
            String dlq = queue.replace("Queue", "DeadLetterQueue");
            Map<String, Object> redrive = map(properties(queue, "AWS::SQS::Queue").get("RedrivePolicy"));

            assertThat(redrive.get("deadLetterTargetArn")).isEqualTo(Map.of("Fn::GetAtt", List.of(dlq, "Arn")));
            assertThat(redrive.get("maxReceiveCount")).isEqualTo(Map.of("Ref", "MaxReceiveCount"));
            assertThat(name(dlq, "QueueName")).isEqualTo(name(queue, "QueueName") + "-dlq");
            assertThat(properties(queue, "AWS::SQS::Queue").get("ReceiveMessageWaitTimeSeconds")).isEqualTo(20);
        }
        assertThat(name("RolloutQueue", "QueueName")).isEqualTo(ConfigKeys.defaultOf(RolloutConfig.class, "queue"));
        assertThat(name("PresenceQueue", "QueueName")).isEqualTo(ConfigKeys.defaultOf(PresenceConfig.class, "queue"));
        assertThat(name("JoinQueue", "QueueName")).isEqualTo(ConfigKeys.defaultOf(JoinConfig.class, "queue"));
        assertThat(name("ReportQueue", "QueueName")).isEqualTo(ConfigKeys.defaultOf(ConvergeConfig.class, "queue"));
        assertThat(String.valueOf(map(parameters.get("MaxReceiveCount")).get("Default")))
                .isEqualTo(ConfigKeys.defaultOf(ProvisionConfig.class, "maxReceiveCount"));
    }

    @Test
    void bucketSendsObjectCreatedToTheRolloutQueueWhichAllowsIt() {
        Map<String, Object> bucket = properties("ArtifactBucket", "AWS::S3::Bucket");
        Map<String, Object> notification = map(list(map(bucket.get("NotificationConfiguration")).get("QueueConfigurations")).get(0));
        Map<String, Object> statement = map(list(map(properties("RolloutQueuePolicy", "AWS::SQS::QueuePolicy")
                .get("PolicyDocument")).get("Statement")).get(0));

        assertThat(notification.get("Event")).isEqualTo("s3:ObjectCreated:*");
        assertThat(notification.get("Queue")).isEqualTo(Map.of("Fn::GetAtt", List.of("RolloutQueue", "Arn")));
        assertThat(map(resources.get("ArtifactBucket")).get("DependsOn")).isEqualTo("RolloutQueuePolicy");
        assertThat(map(bucket.get("VersioningConfiguration")).get("Status")).isEqualTo("Enabled");
        assertThat(map(statement.get("Principal")).get("Service")).isEqualTo("s3.amazonaws.com");
        assertThat(statement.get("Action")).isEqualTo("sqs:SendMessage");
        // The policy spells out the bucket's ARN; it has to be the bucket's own name.
        String sourceArn = sub(map(map(statement.get("Condition")).get("ArnLike")).get("aws:SourceArn"));
        assertThat(sourceArn).endsWith(":::" + sub(bucket.get("BucketName")));
    }

    @Test
    void shadowRuleSendsTheDesignSqlToThePresenceQueue() {
        Map<String, Object> rule = map(properties("ShadowDisconnectRule", "AWS::IoT::TopicRule").get("TopicRulePayload"));
        Map<String, Object> sqs = map(map(list(rule.get("Actions")).get(0)).get("Sqs"));

        assertThat(((String) rule.get("Sql")).replaceAll("\\s+", " ")).isEqualTo("SELECT topic(3) AS thingName, "
                + "current.state.reported.connected AS connected, current.metadata.reported.connected.timestamp AS timestamp "
                + "FROM '$aws/things/+/shadow/update/documents' "
                + "WHERE previous.state.reported.connected = true AND current.state.reported.connected = false");
        assertThat(sqs.get("QueueUrl")).isEqualTo(Map.of("Ref", "PresenceQueue"));
        assertThat(sqs.get("RoleArn")).isEqualTo(Map.of("Fn::GetAtt", List.of("IotRuleRole", "Arn")));
        assertThat(sqs.get("UseBase64")).isEqualTo(false);

        Map<String, Object> lifecycle = map(resources.get("LifecycleEventsRule"));
        assertThat(lifecycle.get("Condition")).isEqualTo("WithLifecycleEvents");
        assertThat((String) map(map(lifecycle.get("Properties")).get("TopicRulePayload")).get("Sql"))
                .contains("'$aws/events/presence/+/+'");
        assertThat(actions(properties("IotRuleRole", "AWS::IAM::Role"))).containsExactly("sqs:SendMessage");
    }

    @Test
    void joinRulesSendThingCreatedUpdatedAndAddedToGroupEventsToTheJoinQueue() {
        Map<String, Object> things = map(properties("ThingJoinRule", "AWS::IoT::TopicRule").get("TopicRulePayload"));
        Map<String, Object> groups = map(properties("GroupJoinRule", "AWS::IoT::TopicRule").get("TopicRulePayload"));

        assertThat(things.get("Sql")).isEqualTo(
                "SELECT * FROM '$aws/events/thing/+/+' WHERE operation = 'CREATED' OR operation = 'UPDATED'");
        assertThat(groups.get("Sql")).isEqualTo("SELECT * FROM '$aws/events/thingGroupMembership/thingGroup/+/thing/+/added'");
        String thingTopics = topicFilter(things);
        String groupTopics = topicFilter(groups);
        assertThat(matches(thingTopics, "$aws/events/thing/dev-1/created")).isTrue();
        assertThat(matches(thingTopics, "$aws/events/thing/dev-1/updated")).isTrue();
        assertThat(matches(thingTopics, "$aws/events/thingGroup/line-7/created")).isFalse();
        assertThat(matches(groupTopics, "$aws/events/thingGroupMembership/thingGroup/line-7/thing/dev-1/added")).isTrue();
        assertThat(matches(groupTopics, "$aws/events/thingGroupMembership/thingGroup/line-7/thing/dev-1/removed")).isFalse();
        for (Map<String, Object> rule : List.of(things, groups)) {
            assertThat(map(map(list(rule.get("Actions")).get(0)).get("Sqs")))
                    .containsEntry("QueueUrl", Map.of("Ref", "JoinQueue")).containsEntry("UseBase64", false)
                    .containsEntry("RoleArn", Map.of("Fn::GetAtt", List.of("IotRuleRole", "Arn")));
            assertThat(map(map(rule.get("ErrorAction")).get("Sqs"))).containsEntry("QueueUrl", Map.of("Ref", "JoinDeadLetterQueue"));
        }
        assertThat(resources(properties("IotRuleRole", "AWS::IAM::Role")))
                .contains(Map.of("Fn::GetAtt", List.of("JoinQueue", "Arn")), Map.of("Fn::GetAtt", List.of("JoinDeadLetterQueue", "Arn")));
    }

    /** The report rules' WHERE after the topic condition: reported.s3 is there and its hash or error changed. */
    private static final String REPORT_CHANGED = "NOT isUndefined(current.state.reported.s3) AND ( "
            + "(CASE isUndefined(previous.state.reported.s3.hash) WHEN true THEN '' ELSE previous.state.reported.s3.hash END) "
            + "<> (CASE isUndefined(current.state.reported.s3.hash) WHEN true THEN '' ELSE current.state.reported.s3.hash END) "
            + "OR (CASE isUndefined(previous.state.reported.s3.error) WHEN true THEN '' ELSE previous.state.reported.s3.error END) "
            + "<> (CASE isUndefined(current.state.reported.s3.error) WHEN true THEN '' ELSE current.state.reported.s3.error END))";

    @Test
    void reportRulesSendChangesOfReportedS3OfTheRolloutsShadowToTheReportQueue() {
        Map<String, Object> classic = map(resources.get("ClassicShadowReportRule"));
        Map<String, Object> named = map(resources.get("NamedShadowReportRule"));
        Map<String, Object> classicRule = map(properties("ClassicShadowReportRule", "AWS::IoT::TopicRule").get("TopicRulePayload"));
        Map<String, Object> namedRule = map(properties("NamedShadowReportRule", "AWS::IoT::TopicRule").get("TopicRulePayload"));
        String classicSql = ((String) classicRule.get("Sql")).replaceAll("\\s+", " ");
        String namedSql = sub(namedRule.get("Sql")).replaceAll("\\s+", " ");

        assertThat(classic.get("Condition")).isEqualTo("ReportsFromClassicShadow");
        assertThat(named.get("Condition")).isEqualTo("ReportsFromNamedShadow");
        assertThat(classicSql).isEqualTo("SELECT topic(3) AS thingName, current.state.reported.s3 AS reported, timestamp "
                + "FROM '$aws/things/+/shadow/update/documents' WHERE " + REPORT_CHANGED);
        assertThat(namedSql).isEqualTo("SELECT topic(3) AS thingName, topic(6) AS shadowName, "
                + "current.state.reported.s3 AS reported, timestamp FROM '$aws/things/+/shadow/name/+/update/documents' "
                + "WHERE topic(6) = '${RolloutShadowName}' AND " + REPORT_CHANGED);
        assertThat(matches(topicFilter(classicRule), "$aws/things/dev-1/shadow/update/documents")).isTrue();
        assertThat(matches(topicFilter(classicRule), "$aws/things/dev-1/shadow/name/firmware/update/documents")).isFalse();
        assertThat(matches(topicFilter(Map.of("Sql", namedSql)), "$aws/things/dev-1/shadow/name/firmware/update/documents"))
                .isTrue();
        for (Map<String, Object> rule : List.of(classicRule, namedRule)) {
            assertThat(map(map(list(rule.get("Actions")).get(0)).get("Sqs")))
                    .containsEntry("QueueUrl", Map.of("Ref", "ReportQueue")).containsEntry("UseBase64", false)
                    .containsEntry("RoleArn", Map.of("Fn::GetAtt", List.of("IotRuleRole", "Arn")));
            assertThat(map(map(rule.get("ErrorAction")).get("Sqs"))).containsEntry("QueueUrl", Map.of("Ref", "ReportDeadLetterQueue"));
        }
        assertThat(resources(properties("IotRuleRole", "AWS::IAM::Role"))).contains(
                Map.of("Fn::GetAtt", List.of("ReportQueue", "Arn")), Map.of("Fn::GetAtt", List.of("ReportDeadLetterQueue", "Arn")));
    }

    private static String topicFilter(Map<String, Object> rule) {
        Matcher from = Pattern.compile("FROM '([^']+)'").matcher((String) rule.get("Sql"));
        assertThat(from.find()).isTrue();
        return from.group(1);
    }

    /** MQTT topic filter matching: {@code +} is one level, {@code #} the rest. */
    private static boolean matches(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || !(f[i].equals("+") || f[i].equals(t[i]))) {
                return false;
            }
        }
        return f.length == t.length;
    }

    @Test
    void tablesHaveTheProvisioningCodesKeysIndexesAndTtl() {
        Map<String, Object> checks = properties("ChecksTable", "AWS::DynamoDB::Table");
        Map<String, Object> rollouts = properties("RolloutsTable", "AWS::DynamoDB::Table");

        assertThat(name("ChecksTable", "TableName")).isEqualTo(ConfigKeys.defaultOf(PresenceConfig.class, "table"));
        assertThat(name("RolloutsTable", "TableName")).isEqualTo(ConfigKeys.defaultOf(RolloutConfig.class, "table"));
        assertThat(attributes(checks)).isEqualTo(Map.of(TableProvisioner.CHECK_KEY, "S", TableProvisioner.DUE_SHARD, "N",
                TableProvisioner.DUE_AT, "N"));
        assertThat(keys(checks.get("KeySchema"))).containsExactly(TableProvisioner.CHECK_KEY + " HASH");
        assertThat(index(checks, TableProvisioner.DUE_INDEX)).containsExactly(TableProvisioner.DUE_SHARD + " HASH",
                TableProvisioner.DUE_AT + " RANGE");
        assertThat(map(checks.get("TimeToLiveSpecification")))
                .containsEntry("AttributeName", TableProvisioner.EXPIRES_AT).containsEntry("Enabled", true);

        assertThat(attributes(rollouts)).isEqualTo(Map.of(TableProvisioner.ROLLOUT_KEY, "S",
                TableProvisioner.RECENT_PARTITION, "S", TableProvisioner.RECENT_SORT, "N"));
        assertThat(keys(rollouts.get("KeySchema"))).containsExactly(TableProvisioner.ROLLOUT_KEY + " HASH");
        assertThat(index(rollouts, TableProvisioner.RECENT_INDEX)).containsExactly(TableProvisioner.RECENT_PARTITION + " HASH",
                TableProvisioner.RECENT_SORT + " RANGE");
        assertThat(map(rollouts.get("TimeToLiveSpecification"))).as("harm markers expire; records carry no expiry")
                .containsEntry("AttributeName", TableProvisioner.EXPIRES_AT).containsEntry("Enabled", true);

        Map<String, Object> ledger = properties("LedgerTable", "AWS::DynamoDB::Table");
        assertThat(name("LedgerTable", "TableName")).isEqualTo(ConfigKeys.defaultOf(ConvergeConfig.class, "table"));
        assertThat(attributes(ledger)).isEqualTo(Map.of(TableProvisioner.LEDGER_PARTITION, "S", TableProvisioner.LEDGER_SORT, "S",
                TableProvisioner.STATUS_PARTITION, "S", TableProvisioner.STATUS_SORT, "S", TableProvisioner.DUE_SHARD, "N",
                TableProvisioner.DUE_AT, "N"));
        assertThat(keys(ledger.get("KeySchema"))).containsExactly(TableProvisioner.LEDGER_PARTITION + " HASH",
                TableProvisioner.LEDGER_SORT + " RANGE");
        assertThat(index(ledger, TableProvisioner.STATUS_INDEX)).containsExactly(TableProvisioner.STATUS_PARTITION + " HASH",
                TableProvisioner.STATUS_SORT + " RANGE");
        assertThat(index(ledger, TableProvisioner.DUE_INDEX)).containsExactly(TableProvisioner.DUE_SHARD + " HASH",
                TableProvisioner.DUE_AT + " RANGE");
        assertThat(map(ledger.get("TimeToLiveSpecification")))
                .containsEntry("AttributeName", TableProvisioner.EXPIRES_AT).containsEntry("Enabled", true);
    }

    @Test
    void topicIsNamedAsTheServiceExpects() {
        assertThat(name("AlertTopic", "TopicName")).isEqualTo(ConfigKeys.defaultOf(PresenceConfig.class, "topic"));
    }

    @Test
    void servicePolicyGrantsWhatTheServiceCallsOnItsOwnResources() {
        Map<String, Map<String, Object>> statements = list(map(properties("ServicePolicy", "AWS::IAM::ManagedPolicy")
                .get("PolicyDocument")).get("Statement")).stream().map(DeployFiles::map)
                .collect(Collectors.toMap(s -> (String) s.get("Sid"), s -> s));

        assertThat(actionsOf(statements.get("ReadRolloutObjects"))).containsExactlyInAnyOrder("s3:GetObject", "s3:GetObjectVersion");
        assertThat(sub(statements.get("ReadRolloutObjects").get("Resource"))).isEqualTo("${ArtifactBucket.Arn}/*");
        assertThat(actionsOf(statements.get("FindThings"))).containsExactlyInAnyOrder("iot:ListThings", "iot:DescribeEndpoint");
        assertThat(actionsOf(statements.get("FindThingsInGroups"))).containsExactly("iot:ListThingsInThingGroup");
        assertThat(actionsOf(statements.get("WriteAndReadShadows"))).containsExactlyInAnyOrder("iot:UpdateThingShadow", "iot:GetThingShadow");
        assertThat(sub(statements.get("WriteAndReadShadows").get("Resource"))).endsWith(":thing/*");
        assertThat(actionsOf(statements.get("ConsumeQueues"))).containsExactlyInAnyOrder("sqs:ReceiveMessage", "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl");
        assertThat(list(statements.get("ConsumeQueues").get("Resource"))).containsExactlyInAnyOrder(
                Map.of("Fn::GetAtt", List.of("RolloutQueue", "Arn")), Map.of("Fn::GetAtt", List.of("PresenceQueue", "Arn")),
                Map.of("Fn::GetAtt", List.of("JoinQueue", "Arn")), Map.of("Fn::GetAtt", List.of("ReportQueue", "Arn")));
        assertThat(actionsOf(statements.get("DescribeJoiningThings"))).containsExactlyInAnyOrder("iot:DescribeThing",
                "iot:ListThingGroupsForThing");
        assertThat(sub(statements.get("DescribeJoiningThings").get("Resource"))).endsWith(":thing/*");
        assertThat(actionsOf(statements.get("DescribeGroupsOfJoiningThings"))).containsExactly("iot:DescribeThingGroup");
        assertThat(sub(statements.get("DescribeGroupsOfJoiningThings").get("Resource"))).endsWith(":thinggroup/*");
        assertThat(actionsOf(statements.get("UseTables"))).contains("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:DescribeTable");
        assertThat(list(statements.get("UseTables").get("Resource")).stream()
                .filter(resource -> map(resource).containsKey("Fn::Sub")).map(CloudFormationTemplateTest::sub))
                .contains("${ChecksTable.Arn}/index/" + TableProvisioner.DUE_INDEX,
                        "${RolloutsTable.Arn}/index/" + TableProvisioner.RECENT_INDEX,
                        "${LedgerTable.Arn}/index/" + TableProvisioner.STATUS_INDEX,
                        "${LedgerTable.Arn}/index/" + TableProvisioner.DUE_INDEX);
        assertThat(actionsOf(statements.get("RecordPages"))).containsExactlyInAnyOrder("dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem");
        assertThat(statements.get("RecordPages").get("Resource")).isEqualTo(Map.of("Fn::GetAtt", List.of("LedgerTable", "Arn")));
        assertThat(actionsOf(statements.get("PublishAlerts"))).containsExactly("sns:Publish");
        assertThat(statements.get("PublishAlerts").get("Resource")).isEqualTo(Map.of("Ref", "AlertTopic"));
        // Only the two actions that cannot be scoped use "*".
        statements.forEach((sid, statement) -> {
            if (!sid.equals("FindThings")) {
                assertThat(statement.get("Resource")).as(sid).isNotEqualTo("*");
            }
        });
    }

    /** The IRSA trust policy is JSON text inside !Sub; with its variables filled in it must be valid JSON. */
    @Test
    void irsaTrustPolicyIsValidJson() throws Exception {
        Map<String, Object> trust = map(properties("ServiceRole", "AWS::IAM::Role").get("AssumeRolePolicyDocument"));
        List<Object> branches = list(trust.get("Fn::If"));
        assertThat(branches.get(0)).isEqualTo("RoleForIrsa");
        List<Object> sub = list(map(branches.get(1)).get("Fn::Sub"));
        String json = SUB_VARIABLE.matcher((String) sub.get(0)).replaceAll(m -> m.group(1).equals("KedaTrust")
                ? ",{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::1:role/keda\"},\"Action\":\"sts:AssumeRole\"}"
                : "x");

        JsonNode policy = new ObjectMapper().readTree(json);

        assertThat(policy.path("Statement")).hasSize(2);
        assertThat(policy.path("Statement").path(0).path("Action").asText()).isEqualTo("sts:AssumeRoleWithWebIdentity");
        assertThat(policy.path("Statement").path(0).path("Condition").path("StringEquals").path("x:sub").asText())
                .isEqualTo("system:serviceaccount:x:x");
    }

    /** Every output named like an environment variable feeds a real configuration key, and all resources are there. */
    @Test
    void outputsAreTheServicesConfiguration() {
        Set<String> variables = map(template.get("Outputs")).values().stream()
                .map(output -> (String) map(output).get("Description"))
                .filter(description -> description.matches("[A-Z][A-Z0-9_]+"))
                .collect(Collectors.toSet());

        assertThat(variables).containsExactlyInAnyOrderElementsOf(ConfigKeys.resourceVariables());
        assertThat(variables).allSatisfy(variable -> assertThat(ConfigKeys.isKnownEnv(variable)).as(variable).isTrue());
    }

    private Map<String, Object> properties(String resource, String type) {
        Map<String, Object> definition = map(resources.get(resource));
        assertThat(definition.get("Type")).as(resource).isEqualTo(type);
        return map(definition.get("Properties"));
    }

    /** A resource's name as created with the parameters' defaults. */
    private String name(String resource, String property) {
        String name = sub(map(map(resources.get(resource)).get("Properties")).get(property));
        Matcher matcher = SUB_VARIABLE.matcher(name);
        return matcher.replaceAll(m -> String.valueOf(map(parameters.get(m.group(1))).get("Default")));
    }

    private static String sub(Object value) {
        Object text = map(value).get("Fn::Sub");
        assertThat(text).as("!Sub " + value).isInstanceOf(String.class);
        return (String) text;
    }

    private static Map<String, String> attributes(Map<String, Object> table) {
        return list(table.get("AttributeDefinitions")).stream().map(DeployFiles::map)
                .collect(Collectors.toMap(a -> (String) a.get("AttributeName"), a -> (String) a.get("AttributeType")));
    }

    private static List<String> keys(Object schema) {
        return list(schema).stream().map(DeployFiles::map).map(k -> k.get("AttributeName") + " " + k.get("KeyType")).toList();
    }

    private static List<String> index(Map<String, Object> table, String name) {
        Map<String, Object> index = list(table.get("GlobalSecondaryIndexes")).stream().map(DeployFiles::map)
                .filter(i -> name.equals(i.get("IndexName"))).findFirst()
                .orElseThrow(() -> new AssertionError("no index " + name));
        assertThat(map(index.get("Projection")).get("ProjectionType")).isEqualTo("ALL");
        return keys(index.get("KeySchema"));
    }

    private static List<String> actions(Map<String, Object> role) {
        List<String> actions = new ArrayList<>();
        for (Object policy : list(role.get("Policies"))) {
            for (Object statement : list(map(map(policy).get("PolicyDocument")).get("Statement"))) {
                actions.addAll(actionsOf(map(statement)));
            }
        }
        return actions;
    }

    /** The Resource entries of every statement of a role's inline policies. */
    private static List<Object> resources(Map<String, Object> role) {
        List<Object> resources = new ArrayList<>();
        for (Object policy : list(role.get("Policies"))) {
            for (Object statement : list(map(map(policy).get("PolicyDocument")).get("Statement"))) {
                Object resource = map(statement).get("Resource");
                resources.addAll(resource instanceof List<?> many ? many : List.of(resource));
            }
        }
        return resources;
    }

    private static List<String> actionsOf(Map<String, Object> statement) {
        assertThat(statement).as("statement").isNotNull().containsEntry("Effect", "Allow");
        Object action = statement.get("Action");
        return action instanceof String single ? List.of(single) : list(action).stream().map(String.class::cast).toList();
    }

    /** Collects Ref and GetAtt targets, !Sub variables and condition names anywhere in the tree. */
    private static void collect(Object node, Set<String> refs, Set<String> conditions) {
        if (node instanceof Map<?, ?> entries) {
            entries.forEach((key, value) -> {
                switch (String.valueOf(key)) {
                    case "Ref" -> refs.add((String) value);
                    case "Fn::GetAtt" -> refs.add((String) list(value).get(0));
                    case "Condition" -> addIfPresent(value, conditions);
                    case "Fn::If" -> conditions.add((String) list(value).get(0));
                    case "Fn::Sub" -> subVariables(value).forEach(refs::add);
                    default -> { }
                }
                collect(value, refs, conditions);
            });
        } else if (node instanceof List<?> items) {
            items.forEach(item -> collect(item, refs, conditions));
        }
    }

    /** ${Name} and ${Resource.Attribute}; names defined in the !Sub's own variable map are local. */
    private static List<String> subVariables(Object sub) {
        String text;
        Set<String> local = Set.of();
        if (sub instanceof String single) {
            text = single;
        } else {
            text = (String) list(sub).get(0);
            local = map(list(sub).get(1)).keySet();
        }
        List<String> names = new ArrayList<>();
        Matcher matcher = SUB_VARIABLE.matcher(text);
        while (matcher.find()) {
            String name = matcher.group(1).split("\\.")[0];
            if (!local.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private static void addIfPresent(Object condition, Set<String> conditions) {
        // A "Condition" key inside an IAM statement holds a map, not a condition name.
        if (condition instanceof String name) {
            conditions.add(name);
        }
    }
}
