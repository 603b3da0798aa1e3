package io.shadowcast.presence;

import org.jboss.logging.Logger;

/**
 * Test-only: halts the JVM (as SIGKILL would: no shutdown hook, nothing flushed) at a named point of the
 * alert protocol when the system property {@code shadowcast.test.crash-at} names it, so the
 * separate-JVM reliability tests can prove that another replica finishes what a dead one began. Never set in
 * production; unset it costs one property read.
 */
final class CrashPoint {

    static final String PROPERTY = "shadowcast.test.crash-at";
    /** After the PUBLISHING state is written, before SNS is called. */
    static final String BEFORE_PUBLISH = "before-publish";
    /** After SNS accepted the alert, before PUBLISHED is recorded. */
    static final String AFTER_PUBLISH = "after-publish";

    private static final Logger LOG = Logger.getLogger(CrashPoint.class);

    private CrashPoint() {
    }

    static void reach(String point) {
        if (point.equals(System.getProperty(PROPERTY))) {
            LOG.errorf("Halting at crash point %s (%s is set: test only)", point, PROPERTY);
            Runtime.getRuntime().halt(137);
        }
    }
}
