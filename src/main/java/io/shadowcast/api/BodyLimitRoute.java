package io.shadowcast.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Quarkus refuses a body whose Content-Length is above {@code quarkus.http.limits.max-body-size} in a
 * Vert.x route that runs before JAX-RS and answers 413 with an empty body. This route runs just before
 * it and gives the same refusal in the API's JSON error shape. Bodies without a Content-Length (chunked)
 * are still cut off by Quarkus while they are read.
 */
@ApplicationScoped
public class BodyLimitRoute {

    /** Just before Quarkus' own upload-limit route (RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT = -2). */
    private static final int ORDER = -3;

    void register(@Observes Router router,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> limit) {
        limit.ifPresent(max -> router.route().order(ORDER).handler(context -> refuseIfTooLarge(context, max)));
    }

    private static void refuseIfTooLarge(RoutingContext context, MemorySize max) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && parse(length) > max.asLongValue()) {
            String body = Json.encode(new ApiError("the body is larger than " + max.asLongValue() + " bytes", "body"));
            context.response().setStatusCode(413)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(body);
            return;
        }
        context.next();
    }

    /** An unparsable length is left to Quarkus, which rejects it as a bad request. */
    private static long parse(String length) {
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
