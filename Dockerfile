# shadowcast container image.
#
#   docker build -t shadowcast .
#   docker run --rm -p 8080:8080 -e JAVA_OPTS="-Xss512k" shadowcast
#
# Stage 1 builds the Quarkus fast-jar (target/quarkus-app) with the Maven wrapper; stage 2 runs it on
# a JRE as an unprivileged user. Dependencies are fetched in their own layer so that a source change
# does not download them again.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
# dependency:go-offline brings the plugins, quarkus:go-offline the build-time (deployment) artifacts.
RUN ./mvnw -B -q dependency:go-offline quarkus:go-offline
COPY src/ src/
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:17-jre
# A numeric UID, so that Kubernetes' runAsNonRoot can verify it. The application files stay owned by
# root: the service can read but never change them.
ARG APP_UID=10001
RUN useradd --system --uid "${APP_UID}" --no-create-home --home-dir /deployments --shell /usr/sbin/nologin shadowcast
WORKDIR /deployments
# The fast-jar layout, least to most often changing.
COPY --from=build /src/target/quarkus-app/lib/ /deployments/lib/
COPY --from=build /src/target/quarkus-app/*.jar /deployments/
COPY --from=build /src/target/quarkus-app/app/ /deployments/app/
COPY --from=build /src/target/quarkus-app/quarkus/ /deployments/quarkus/
COPY docker/run-java.sh docker/healthcheck.sh /deployments/
USER ${APP_UID}
EXPOSE 8080
# JAVA_OPTS is appended to the container-aware defaults in run-java.sh (a flag given again wins).
ENV JAVA_OPTS=""
# Neither curl nor wget is in the JRE image: healthcheck.sh speaks HTTP over bash's /dev/tcp.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/deployments/healthcheck.sh", "/q/health/live"]
ENTRYPOINT ["/deployments/run-java.sh"]
