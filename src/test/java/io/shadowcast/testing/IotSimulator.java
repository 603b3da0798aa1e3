package io.shadowcast.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small stand-in for the AWS IoT control and data plane HTTP APIs, on a loopback port: CreateThing,
 * ListThings (pages and tokens), GetThingShadow and UpdateThingShadow (classic and named). It answers
 * like AWS, including a 429 {@code x-amzn-ErrorType: ThrottlingException} when the account-wide
 * shadow quota (a token bucket) is exceeded, so the real SDK clients see what they would see in AWS.
 *
 * <p>The registry's listing APIs are limited like AWS's defaults: ListThings to
 * {@link #LIST_THINGS_PER_SECOND} requests/s and ListThingsInThingGroup to {@link #LIST_GROUP_PER_SECOND}/s,
 * buckets that hold a second's worth of calls, answered above that with 400 {@code x-amzn-ErrorType: ThrottlingException} (the control plane's status for
 * it; the data plane answers 429). {@link #setListingQuota} changes both, 0 turns them off.
 *
 * <p>Faults to test against: a fixed latency, every n-th update throttled or answered 500, things
 * that are listed but answer 404 (deleted meanwhile), things that always answer 503 or 400.
 *
 * <p>Runs on its own small Vert.x event loop and delays answers with timers, so that it costs little
 * CPU beside the service under test even at thousands of requests per second.
 */
public final class IotSimulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the simulator does besides answering; all zero means a perfect endpoint. */
    public record Faults(double quotaPerSecond, long latencyMillis, int throttleEvery, int serverErrorEvery) {

        public static final Faults NONE = new Faults(0, 0, 0, 0);
    }

    /** AWS's default account limits of the registry's listings (requests per second). */
    public static final double LIST_THINGS_PER_SECOND = 10;
    public static final double LIST_GROUP_PER_SECOND = 25;

    private final Vertx vertx;
    private final HttpServer server;
    private final ConcurrentSkipListMap<String, Map<String, ObjectNode>> things = new ConcurrentSkipListMap<>();
    private final Set<String> ghosts = ConcurrentHashMap.newKeySet();
    private final Set<String> brokenServer = ConcurrentHashMap.newKeySet();
    private final Set<String> brokenRequest = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> attemptsPerThing = new ConcurrentHashMap<>();
    private final AtomicLong updateRequests = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private volatile Faults faults;
    private volatile Quota quota;
    private volatile String throttledMarker;
    private volatile int throttledMarkerEvery;
    private final AtomicLong markedUpdates = new AtomicLong();
    private final Map<String, AtomicLong> acceptedContaining = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> groups = new ConcurrentHashMap<>();
    private final AtomicLong listRequests = new AtomicLong();
    private final AtomicLong listThrottled = new AtomicLong();
    private volatile Quota listThingsQuota = new Quota(LIST_THINGS_PER_SECOND, 1);
    private volatile Quota listGroupQuota = new Quota(LIST_GROUP_PER_SECOND, 1);

    private IotSimulator(Faults faults, int eventLoops) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        setFaults(faults);
        this.server = vertx.createHttpServer().requestHandler(this::handle);
    }

    /** @param eventLoops threads answering requests (one or two are plenty) */
    public static IotSimulator start(Faults faults, int eventLoops) {
        IotSimulator simulator = new IotSimulator(faults, eventLoops);
        try {
            simulator.server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return simulator;
        } catch (Exception e) {
            simulator.close();
            throw new IllegalStateException("cannot start the IoT simulator: " + e.getMessage(), e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.actualPort());
    }

    public void setFaults(Faults faults) {
        this.faults = faults;
        this.quota = faults.quotaPerSecond() > 0 ? new Quota(faults.quotaPerSecond(), 0.1) : null;
    }

    /** Throttles the shadow updates whose document contains {@code marker} (e.g. one upload's hash), letting only every n-th through; null stops it. */
    public void throttleUpdatesContaining(String marker, int every) {
        this.throttledMarkerEvery = every;
        this.throttledMarker = marker;
    }

    /** From now on counts the accepted shadow updates whose document contains {@code marker}. */
    public void countUpdatesContaining(String marker) {
        acceptedContaining.put(marker, new AtomicLong());
    }

    /** Accepted shadow updates containing {@code marker} since {@link #countUpdatesContaining} was called. */
    public long updatesContaining(String marker) {
        AtomicLong count = acceptedContaining.get(marker);
        return count == null ? 0 : count.get();
    }

    public void addThing(String name) {
        things.putIfAbsent(name, new ConcurrentHashMap<>());
    }

    /** Listed by ListThings, but gone when its shadow is written (404 ResourceNotFoundException). */
    public void addGhost(String name) {
        addThing(name);
        ghosts.add(name);
    }

    /** Always answers 503 to shadow updates. */
    public void addBrokenServerSide(String name) {
        addThing(name);
        brokenServer.add(name);
    }

    /** Always answers 400 InvalidRequestException to shadow updates. */
    public void addRejecting(String name) {
        addThing(name);
        brokenRequest.add(name);
    }

    /** Puts a thing (created if missing) into a thing group, listed by ListThingsInThingGroup. */
    public void addToGroup(String group, String thing) {
        addThing(thing);
        groups.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet()).add(thing);
    }

    /** Requests per second allowed to ListThings and to ListThingsInThingGroup; 0 for no limit. */
    public void setListingQuota(double listThingsPerSecond, double listGroupPerSecond) {
        listThingsQuota = listThingsPerSecond > 0 ? new Quota(listThingsPerSecond, 1) : null;
        listGroupQuota = listGroupPerSecond > 0 ? new Quota(listGroupPerSecond, 1) : null;
    }

    /** ListThings and ListThingsInThingGroup requests, throttled ones included. */
    public long listRequests() {
        return listRequests.get();
    }

    /** Listing requests answered with ThrottlingException. */
    public long listThrottled() {
        return listThrottled.get();
    }

    public void removeThing(String name) {
        groups.values().forEach(members -> members.remove(name));
        things.remove(name);
        ghosts.remove(name);
        brokenServer.remove(name);
        brokenRequest.remove(name);
    }

    public List<String> thingNames() {
        return new ArrayList<>(things.keySet());
    }

    /** The classic (null) or named shadow document as stored, if any. */
    public Optional<JsonNode> shadow(String thing, String shadowName) {
        Map<String, ObjectNode> shadows = things.get(thing);
        return shadows == null ? Optional.empty() : Optional.ofNullable(shadows.get(shadowKey(shadowName)));
    }

    public long updateRequests() {
        return updateRequests.get();
    }

    public long throttled() {
        return throttled.get();
    }

    public long serverErrors() {
        return serverErrors.get();
    }

    public long attempts(String thing) {
        AtomicLong count = attemptsPerThing.get(thing);
        return count == null ? 0 : count.get();
    }

    public void resetCounters() {
        updateRequests.set(0);
        throttled.set(0);
        serverErrors.set(0);
        attemptsPerThing.clear();
        listRequests.set(0);
        listThrottled.set(0);
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("IoT simulator did not stop: " + e.getMessage(), e);
        }
    }

    /** What a request asks for, from its method and path. */
    private enum Route {
        LIST_THINGS, LIST_GROUP_MEMBERS, CREATE_THING, GET_SHADOW, UPDATE_SHADOW, WRONG_METHOD_ON_SHADOW, UNKNOWN;

        static Route of(String method, String[] parts) {
            if (parts.length == 2 && "things".equals(parts[1]) && "GET".equals(method)) {
                return LIST_THINGS;
            }
            if (parts.length == 4 && "thing-groups".equals(parts[1]) && "things".equals(parts[3]) && "GET".equals(method)) {
                return LIST_GROUP_MEMBERS;
            }
            if (parts.length == 3 && "things".equals(parts[1]) && "POST".equals(method)) {
                return CREATE_THING;
            }
            if (parts.length == 4 && "things".equals(parts[1]) && "shadow".equals(parts[3])) {
                return switch (method) {
                    case "GET" -> GET_SHADOW;
                    case "POST" -> UPDATE_SHADOW;
                    default -> WRONG_METHOD_ON_SHADOW;
                };
            }
            return UNKNOWN;
        }
    }

    /**
     * Counts the request against its quota when it arrives, as AWS does, and answers it after the latency.
     * (Counted when answered, the requests would meet the quota as the event loop fires their timers, in
     * batches: bursts the client never sent.)
     */
    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            String[] parts = request.path().split("/");
            Route route = Route.of(request.method().name(), parts);
            Quota countsAgainst = quotaOf(route);
            boolean withinQuota = countsAgainst == null || countsAgainst.tryTake();
            long latency = faults.latencyMillis();
            if (latency > 0) {
                vertx.setTimer(latency, timer -> answer(request, route, parts, body, withinQuota));
            } else {
                answer(request, route, parts, body, withinQuota);
            }
        });
    }

    /** The account quota a request counts against: the shadow updates', a listing's, or none. */
    private Quota quotaOf(Route route) {
        return switch (route) {
            case LIST_THINGS -> listThingsQuota;
            case LIST_GROUP_MEMBERS -> listGroupQuota;
            case UPDATE_SHADOW -> quota;
            default -> null;
        };
    }

    private void answer(HttpServerRequest request, Route route, String[] parts, Buffer body, boolean withinQuota) {
        HttpServerResponse exchange = request.response();
        try {
            Map<String, String> query = query(request.query());
            switch (route) {
                case LIST_THINGS -> {
                    if (listingAllowed(exchange, withinQuota)) {
                        listThings(exchange, query, things.navigableKeySet());
                    }
                }
                case LIST_GROUP_MEMBERS -> {
                    if (listingAllowed(exchange, withinQuota)) {
                        Set<String> members = groups.getOrDefault(decode(parts[2]), Set.of());
                        listGroupMembers(exchange, query, new java.util.TreeSet<>(members));
                    }
                }
                case CREATE_THING -> createThing(exchange, decode(parts[2]));
                case GET_SHADOW -> getShadow(exchange, decode(parts[2]), query.get("name"));
                case UPDATE_SHADOW -> updateShadow(exchange, decode(parts[2]), query.get("name"), body.getBytes(), faults,
                        withinQuota);
                case WRONG_METHOD_ON_SHADOW -> error(exchange, 405, "MethodNotAllowedException", request.method().name());
                case UNKNOWN -> error(exchange, 404, "ResourceNotFoundException",
                        "no route " + request.method().name() + " " + request.path());
            }
        } catch (IOException | RuntimeException e) {
            error(exchange, 500, "InternalFailureException", String.valueOf(e));
        }
    }

    /** Counts a listing request; answers it with ThrottlingException (false) when it came above its quota. */
    private boolean listingAllowed(HttpServerResponse exchange, boolean withinQuota) {
        listRequests.incrementAndGet();
        if (!withinQuota) {
            listThrottled.incrementAndGet();
            error(exchange, 400, "ThrottlingException", "Rate exceeded");
            return false;
        }
        return true;
    }

    private void listThings(HttpServerResponse exchange, Map<String, String> query, NavigableSet<String> names) {
        listPage(exchange, query, names, (array, name) -> array.addObject().put("thingName", name)
                .put("thingArn", "arn:aws:iot:us-east-1:123456789012:thing/" + name).put("version", 1)
                .putObject("attributes"));
    }

    private void listGroupMembers(HttpServerResponse exchange, Map<String, String> query, NavigableSet<String> names) {
        listPage(exchange, query, names, ArrayNode::add);
    }

    /** One page of names in name order; the token is the last name of the page. */
    private static void listPage(HttpServerResponse exchange, Map<String, String> query, NavigableSet<String> all,
            java.util.function.BiConsumer<ArrayNode, String> item) {
        int max = Integer.parseInt(query.getOrDefault("maxResults", "50"));
        String after = query.get("nextToken");
        Iterator<String> names = (after == null ? all : all.tailSet(after, false)).iterator();
        ObjectNode response = JSON.createObjectNode();
        ArrayNode array = response.putArray("things");
        String last = null;
        while (names.hasNext() && array.size() < max) {
            last = names.next();
            item.accept(array, last);
        }
        if (names.hasNext()) {
            response.put("nextToken", last);
        }
        respond(exchange, 200, response);
    }

    private void createThing(HttpServerResponse exchange, String thing) {
        addThing(thing);
        respond(exchange, 200, JSON.createObjectNode().put("thingName", thing)
                .put("thingArn", "arn:aws:iot:us-east-1:123456789012:thing/" + thing).put("thingId", thing));
    }

    private void getShadow(HttpServerResponse exchange, String thing, String shadowName) {
        Optional<JsonNode> shadow = shadow(thing, shadowName);
        if (shadow.isEmpty() || ghosts.contains(thing)) {
            error(exchange, 404, "ResourceNotFoundException", "No shadow exists with name: '" + thing + "'");
            return;
        }
        respond(exchange, 200, shadow.get());
    }

    private void updateShadow(HttpServerResponse exchange, String thing, String shadowName, byte[] body, Faults current,
            boolean withinQuota) throws IOException {
        long request = updateRequests.incrementAndGet();
        attemptsPerThing.computeIfAbsent(thing, t -> new AtomicLong()).incrementAndGet();
        String marker = throttledMarker;
        boolean marked = marker != null && new String(body, StandardCharsets.UTF_8).contains(marker)
                && markedUpdates.incrementAndGet() % throttledMarkerEvery != 0;
        if (marked || !withinQuota || (current.throttleEvery() > 0 && request % current.throttleEvery() == 0)) {
            throttled.incrementAndGet();
            error(exchange, 429, "ThrottlingException", "Rate exceeded");
            return;
        }
        if (current.serverErrorEvery() > 0 && request % current.serverErrorEvery() == 0) {
            serverErrors.incrementAndGet();
            error(exchange, 500, "InternalFailureException", "Internal failure");
            return;
        }
        Map<String, ObjectNode> shadows = things.get(thing);
        if (shadows == null || ghosts.contains(thing)) {
            error(exchange, 404, "ResourceNotFoundException", "Thing " + thing + " does not exist");
            return;
        }
        if (brokenServer.contains(thing)) {
            serverErrors.incrementAndGet();
            error(exchange, 503, "ServiceUnavailableException", "Service unavailable");
            return;
        }
        if (brokenRequest.contains(thing)) {
            error(exchange, 400, "InvalidRequestException", "Invalid request for " + thing);
            return;
        }
        if (!acceptedContaining.isEmpty()) {
            String text = new String(body, StandardCharsets.UTF_8);
            acceptedContaining.forEach((watched, count) -> {
                if (text.contains(watched)) {
                    count.incrementAndGet();
                }
            });
        }
        JsonNode update = JSON.readTree(body);
        ObjectNode document = shadows.compute(shadowKey(shadowName), (name, existing) -> {
            ObjectNode next = existing == null ? JSON.createObjectNode() : existing.deepCopy();
            merge(next.with("state"), (ObjectNode) update.path("state"));
            next.put("version", next.path("version").asLong() + 1);
            next.put("timestamp", System.currentTimeMillis() / 1000);
            return next;
        });
        respond(exchange, 200, document);
    }

    /** Shadow merge semantics: objects merge, null deletes, anything else replaces. */
    private static void merge(ObjectNode target, ObjectNode update) {
        update.fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            if (value.isNull()) {
                target.remove(field.getKey());
            } else if (value.isObject() && target.path(field.getKey()).isObject()) {
                merge((ObjectNode) target.get(field.getKey()), (ObjectNode) value);
            } else {
                target.set(field.getKey(), value.deepCopy());
            }
        });
    }

    private static String shadowKey(String shadowName) {
        return shadowName == null ? "" : shadowName;
    }

    private static void error(HttpServerResponse exchange, int status, String type, String message) {
        exchange.putHeader("x-amzn-ErrorType", type);
        respond(exchange, status, JSON.createObjectNode().put("message", message));
    }

    private static void respond(HttpServerResponse exchange, int status, JsonNode body) {
        try {
            exchange.setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(JSON.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int equals = pair.indexOf('=');
                if (equals > 0) {
                    values.put(decode(pair.substring(0, equals)), decode(pair.substring(equals + 1)));
                }
            }
        }
        return values;
    }

    private static String decode(String value) {
        return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** An account-wide quota: a token bucket holding {@code burstSeconds} of requests (at least one) at most. */
    private static final class Quota {

        private final double rate;
        private final double burstSeconds;
        private double tokens;
        private long refilledAt = System.nanoTime();

        Quota(double rate, double burstSeconds) {
            this.rate = rate;
            this.burstSeconds = burstSeconds;
            this.tokens = burst();
        }

        private double burst() {
            return Math.max(1, rate * burstSeconds);
        }

        synchronized boolean tryTake() {
            long now = System.nanoTime();
            tokens = Math.min(burst(), tokens + (now - refilledAt) / 1e9 * rate);
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
