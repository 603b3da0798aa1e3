package io.shadowcast.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.shadowcast.testing.AppProcess;
import io.shadowcast.testing.MotoServer;
import io.shadowcast.testing.TestClients;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A 512 MiB object is hashed by a service whose heap is capped at 128 MiB: the object is streamed
 * through the digest, never held. The JVM runs with -XX:+ExitOnOutOfMemoryError, so an object read
 * into memory would end it.
 */
class LargeObjectIT {

    private static final long SIZE = 512L * 1024 * 1024;
    private static final int THINGS = 20;
    private static final String BUCKET = "shadowcast-artifacts";

    private MotoServer moto;
    private AppProcess app;

    @BeforeEach
    void startEmulator() {
        moto = MotoServer.start();
    }

    @AfterEach
    void stopAll() {
        if (app != null) {
            app.close();
        }
        moto.close();
    }

    @Test
    void aHalfGibibyteObjectIsHashedCorrectlyWithA128MebibyteHeap() throws Exception {
        app = AppProcess.start("large-object", moto.endpoint(), "128m",
                Map.of("shadowcast.provision.things", "", "http.maxConnections", "64"));
        try (TestClients aws = TestClients.of(moto.endpoint())) {
            List<String> things = Fleet.createThings(aws.iot(), THINGS, i -> "large-" + i);
            String sha256 = sha256(new Generated(SIZE));
            String key = "images/large-" + System.nanoTime() + ".img";

            long uploadStart = System.nanoTime();
            aws.s3().putObject(r -> r.bucket(BUCKET).key(key),
                    RequestBody.fromContentProvider(() -> new Generated(SIZE), SIZE, "application/octet-stream"));
            double uploadSeconds = (System.nanoTime() - uploadStart) / 1e9;

            long rolloutStart = System.nanoTime();
            JsonNode done = Fleet.awaitFinal(app, key, Duration.ofMinutes(3));
            double rolloutSeconds = (System.nanoTime() - rolloutStart) / 1e9;

            assertThat(done.path("status").asText()).as("record %s", done).isEqualTo("SUCCEEDED");
            assertThat(done.path("size").asLong()).isEqualTo(SIZE);
            assertThat(done.path("hash").asText()).isEqualTo(sha256);
            assertThat(done.path("counts").path("updated").asLong()).isEqualTo(THINGS);
            assertThat(Fleet.missingHash(aws.iotData(), things, "s3://" + BUCKET + "/" + key, sha256)).isEmpty();
            assertThat(app.isAlive()).as("the service survived the object").isTrue();
            assertThat(app.logText()).doesNotContain("OutOfMemoryError");
            System.out.printf("LargeObjectIT: %d MiB uploaded in %.1f s; hashed and rolled out to %d things %.1f s after the upload, heap 128m%n",
                    SIZE >> 20, uploadSeconds, THINGS, rolloutSeconds);
        }
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The same pseudo-random bytes on every read (xorshift64), generated as they are read. */
    private static final class Generated extends InputStream {

        private final long size;
        private long position;
        private long state = 0x9E3779B97F4A7C15L;
        private long word;

        Generated(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(length, size - position);
            for (int i = 0; i < n; i++) {
                if ((position & 7) == 0) {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    word = state;
                }
                buffer[offset + i] = (byte) (word >>> ((position & 7) * 8));
                position++;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            position = size;
        }
    }
}
