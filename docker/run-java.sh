#!/bin/sh
# Starts the Quarkus fast-jar. The defaults size the heap from the container's memory limit (the JVM
# reads the cgroup limit; MaxRAMPercentage decides how much of it the heap may take) and let the
# orchestrator restart a replica that ran out of memory instead of leaving it half alive. JAVA_OPTS
# comes after them, so a flag given there wins; it is split on spaces on purpose. The rollouts' shadow
# writes have their own connection pool (the AWS CRT client); the other AWS clients use the JDK's
# HttpURLConnection, whose keep-alive pool holds 5 connections per host unless http.maxConnections
# says more: enough for the disconnect watch's workers and the SQS consumers, or they keep opening new
# TLS connections.
# shellcheck disable=SC2086
exec java \
  -XX:MaxRAMPercentage="${MAX_RAM_PERCENTAGE:-75.0}" \
  -XX:+ExitOnOutOfMemoryError \
  -Dhttp.maxConnections="${HTTP_MAX_CONNECTIONS:-64}" \
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  $JAVA_OPTS \
  -jar /deployments/quarkus-run.jar "$@"
