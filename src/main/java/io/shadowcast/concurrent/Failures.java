package io.shadowcast.concurrent;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What failed inside a future: the cause under the wrappers that completion stages and futures add. */
public final class Failures {

    private Failures() {
    }

    /** The first throwable under any {@link CompletionException} and {@link ExecutionException} wrapping it. */
    public static Throwable cause(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The cause as an unchecked exception to rethrow: itself when it is one, else wrapped in a CompletionException. */
    public static RuntimeException unchecked(Throwable e) {
        Throwable cause = cause(e);
        return cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
    }
}
