package io.shadowcast.provision;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * The three DynamoDB tables and their indexes. Attribute and index names here are the contract with
 * the stores in {@code presence}, {@code rollout} and {@code converge} and with {@code deploy/aws/}.
 */
@ApplicationScoped
public class TableProvisioner {

    private static final Logger LOG = Logger.getLogger(TableProvisioner.class);

    /** Timer table: one pending check per thing, found by the {@code due} index per shard. */
    public static final String CHECK_KEY = "thingName";
    public static final String DUE_INDEX = "due";
    public static final String DUE_SHARD = "shard";
    public static final String DUE_AT = "dueAt";
    public static final String EXPIRES_AT = "expiresAt";

    /** Rollout table: one record per object version, listed newest first by the {@code recent} index. */
    public static final String ROLLOUT_KEY = "id";
    public static final String RECENT_INDEX = "recent";
    public static final String RECENT_PARTITION = "listKey";
    public static final String RECENT_SORT = "startedAt";

    /**
     * Ledger table: one item per written thing and rollout, plus sharded counters, under a composite key.
     * The {@code status} index lists a rollout's things by status; the sparse {@code due} index (the same
     * attribute names as the timer table's) holds the things still awaiting a report.
     */
    public static final String LEDGER_PARTITION = "pk";
    public static final String LEDGER_SORT = "sk";
    public static final String STATUS_INDEX = "status";
    public static final String STATUS_PARTITION = "statusKey";
    public static final String STATUS_SORT = "thing";

    private final DynamoDbClient dynamo;

    TableProvisioner(DynamoDbClient dynamo) {
        this.dynamo = dynamo;
    }

    public void checksTable(String table) {
        if (create(table, CHECK_KEY, index(DUE_INDEX, DUE_SHARD, DUE_AT),
                attribute(DUE_SHARD, ScalarAttributeType.N), attribute(DUE_AT, ScalarAttributeType.N))) {
            LOG.infof("Created timer table %s", table);
        }
        expireByTtl(table);
    }

    /** The rollout records carry no expiry; the TTL removes the harm markers once their watch is long over. */
    void rolloutsTable(String table) {
        if (create(table, ROLLOUT_KEY, index(RECENT_INDEX, RECENT_PARTITION, RECENT_SORT),
                attribute(RECENT_PARTITION, ScalarAttributeType.S), attribute(RECENT_SORT, ScalarAttributeType.N))) {
            LOG.infof("Created rollout table %s", table);
        }
        expireByTtl(table);
    }

    void ledgerTable(String table) {
        if (!exists(table)) {
            createLedgerTable(table);
            LOG.infof("Created ledger table %s", table);
        }
        expireByTtl(table);
    }

    private void createLedgerTable(String table) {
        dynamo.createTable(r -> r.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attribute(LEDGER_PARTITION, ScalarAttributeType.S),
                        attribute(LEDGER_SORT, ScalarAttributeType.S),
                        attribute(STATUS_PARTITION, ScalarAttributeType.S), attribute(STATUS_SORT, ScalarAttributeType.S),
                        attribute(DUE_SHARD, ScalarAttributeType.N), attribute(DUE_AT, ScalarAttributeType.N))
                .keySchema(key(LEDGER_PARTITION, KeyType.HASH), key(LEDGER_SORT, KeyType.RANGE))
                .globalSecondaryIndexes(index(STATUS_INDEX, STATUS_PARTITION, STATUS_SORT),
                        index(DUE_INDEX, DUE_SHARD, DUE_AT)));
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
    }

    /** Creates an on-demand table with a string hash key and one index, unless it exists; true when it created it. */
    private boolean create(String table, String hashKey, GlobalSecondaryIndex index, AttributeDefinition... indexKeys) {
        if (exists(table)) {
            return false;
        }
        List<AttributeDefinition> attributes = new java.util.ArrayList<>(List.of(indexKeys));
        attributes.add(0, attribute(hashKey, ScalarAttributeType.S));
        dynamo.createTable(r -> r.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attributes)
                .keySchema(key(hashKey, KeyType.HASH))
                .globalSecondaryIndexes(index));
        dynamo.waiter().waitUntilTableExists(r -> r.tableName(table));
        return true;
    }

    /**
     * DynamoDB deletes the table's items once their {@code expiresAt} (epoch seconds) has passed. Also for a
     * table an earlier version created without it (its finished checks, ledger items and harm markers would
     * stay for good); a table that expires items by another attribute is someone's choice and left alone.
     */
    private void expireByTtl(String table) {
        TimeToLiveDescription ttl = dynamo.describeTimeToLive(r -> r.tableName(table)).timeToLiveDescription();
        TimeToLiveStatus status = ttl == null ? TimeToLiveStatus.DISABLED : ttl.timeToLiveStatus();
        if (status == TimeToLiveStatus.ENABLED || status == TimeToLiveStatus.ENABLING) {
            if (!EXPIRES_AT.equals(ttl.attributeName())) {
                LOG.warnf("Table %s expires items by %s, not %s: its finished items stay until deleted otherwise",
                        table, ttl.attributeName(), EXPIRES_AT);
            }
        } else if (status == TimeToLiveStatus.DISABLING) {
            LOG.warnf("Table %s is turning its TTL off; %s is not set as its TTL attribute", table, EXPIRES_AT);
        } else {
            dynamo.updateTimeToLive(r -> r.tableName(table)
                    .timeToLiveSpecification(t -> t.attributeName(EXPIRES_AT).enabled(true)));
            LOG.infof("Table %s: TTL on %s enabled", table, EXPIRES_AT);
        }
    }

    private boolean exists(String table) {
        try {
            dynamo.describeTable(r -> r.tableName(table));
            return true;
        } catch (ResourceNotFoundException e) {
            return false;
        }
    }

    private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static GlobalSecondaryIndex index(String name, String partition, String sort) {
        return GlobalSecondaryIndex.builder().indexName(name)
                .keySchema(List.of(key(partition, KeyType.HASH), key(sort, KeyType.RANGE)))
                .projection(p -> p.projectionType(ProjectionType.ALL))
                .build();
    }
}
