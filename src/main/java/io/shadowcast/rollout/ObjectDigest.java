package io.shadowcast.rollout;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * SHA-256 of an S3 object, read as a stream through a fixed buffer: memory does not grow with the
 * object and nothing is written to disk. Reads exactly the version the event named; without a
 * version, only the content with the event's ETag, so a rollout never publishes the hash of a later
 * upload under an earlier event.
 */
@ApplicationScoped
public class ObjectDigest {

    private static final Logger LOG = Logger.getLogger(ObjectDigest.class);
    private static final int BUFFER = 64 * 1024;

    private final S3Client s3;

    ObjectDigest(S3Client s3) {
        this.s3 = s3;
    }

    /** What reading the object found. {@code metadata} is the object's user metadata. */
    public record Digest(String sha256, long size, String versionId, String eTag, Map<String, String> metadata) {
    }

    /** @throws RolloutFailedException when the object (version) no longer exists or was replaced */
    public Digest digest(ObjectRef object) {
        try {
            return read(object);
        } catch (RolloutFailedException replaced) {
            if (!(replaced.getCause() instanceof S3Exception e && e.statusCode() == 412)) {
                throw replaced;
            }
            // Overwritten since the event. In a versioned bucket the event's content is still there
            // as an older version (events without versionId come from emulators and unversioned buckets).
            return olderVersion(object).map(this::read).orElseThrow(() -> replaced);
        }
    }

    private Optional<ObjectRef> olderVersion(ObjectRef object) {
        return s3.listObjectVersionsPaginator(r -> r.bucket(object.bucket()).prefix(object.key())).versions().stream()
                .filter(v -> v.key().equals(object.key()) && object.eTag().equals(ObjectRef.bareETag(v.eTag())))
                .findFirst()
                .map(v -> new ObjectRef(object.bucket(), object.key(), v.versionId(), object.eTag()));
    }

    private Digest read(ObjectRef object) {
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(object.bucket()).key(object.key());
        if (object.versionId() != null) {
            request.versionId(object.versionId());
        } else if (object.eTag() != null) {
            request.ifMatch('"' + object.eTag() + '"');
        }
        long started = System.nanoTime();
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(request.build())) {
            MessageDigest sha = sha256();
            long size = update(sha, in);
            GetObjectResponse response = in.response();
            Digest digest = new Digest(HexFormat.of().formatHex(sha.digest()), size, response.versionId(),
                    ObjectRef.bareETag(response.eTag()), response.metadata());
            LOG.infof("Hashed %s (version %s, %d bytes) in %d ms", object.url(), digest.versionId(), size,
                    (System.nanoTime() - started) / 1_000_000);
            return digest;
        } catch (NoSuchKeyException e) {
            throw new RolloutFailedException("object " + object.url() + " no longer exists (deleted before the rollout read it)", e);
        } catch (S3Exception e) {
            throw missingOrRethrow(object, e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + object.url() + " failed", e);
        }
    }

    private static RuntimeException missingOrRethrow(ObjectRef object, S3Exception e) {
        String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
        if (e.statusCode() == 404 || "NoSuchVersion".equals(code) || "InvalidArgument".equals(code)) {
            return new RolloutFailedException("object " + object.url() + " version " + object.versionId()
                    + " does not exist (" + code + ")", e);
        }
        if (e.statusCode() == 412) {
            return new RolloutFailedException("object " + object.url() + " no longer has ETag " + object.eTag()
                    + ": it was replaced, and the newer upload has its own rollout", e);
        }
        return e;
    }

    private static long update(MessageDigest sha, InputStream in) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long size = 0;
        int read;
        while ((read = in.read(buffer)) != -1) {
            sha.update(buffer, 0, read);
            size += read;
        }
        return size;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
