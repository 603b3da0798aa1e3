package io.shadowcast.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** The REST API's protection. Health, metrics and OpenAPI under /q stay open for probes and scrapers. */
@ConfigMapping(prefix = "shadowcast.api")
public interface ApiConfig {

    Auth auth();

    interface Auth {

        /** Require {@code Authorization: Bearer <token>} on every request that changes something (POST, PUT, PATCH, DELETE). */
        @WithDefault("false")
        boolean enabled();

        /** The bearer token itself (e.g. from a Kubernetes secret via SHADOWCAST_API_AUTH_TOKEN). */
        Optional<String> token();

        /** A file holding the token (a mounted secret); read at start, surrounding white space ignored. */
        Optional<Path> tokenFile();
    }
}
