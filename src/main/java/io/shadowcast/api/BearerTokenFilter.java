package io.shadowcast.api;

import io.quarkus.runtime.Startup;
import io.shadowcast.config.ApiConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * With {@code shadowcast.api.auth.enabled}, every request that changes something must carry the
 * configured bearer token; reads stay open. The token is compared in constant time and never logged.
 */
@Startup
@ApplicationScoped
public class BearerTokenFilter {

    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    private final boolean enabled;
    private final byte[] expected;

    BearerTokenFilter(ApiConfig config) {
        ApiConfig.Auth auth = config.auth();
        this.enabled = auth.enabled();
        String token = auth.token().or(() -> auth.tokenFile().map(BearerTokenFilter::read)).map(String::strip).orElse("");
        if (enabled && token.isEmpty()) {
            throw new IllegalStateException("shadowcast.api.auth.enabled is true but neither shadowcast.api.auth.token "
                    + "nor shadowcast.api.auth.token-file gives a token");
        }
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @ServerRequestFilter
    public Response authenticate(ContainerRequestContext request) {
        if (!enabled || READS.contains(request.getMethod())) {
            return null;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header != null && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            return null;
        }
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"shadowcast\"")
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiError.of("this request needs a valid bearer token"))
                .build();
    }

    private static String read(java.nio.file.Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read shadowcast.api.auth.token-file " + file, e);
        }
    }
}
