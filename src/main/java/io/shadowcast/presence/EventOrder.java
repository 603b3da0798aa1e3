package io.shadowcast.presence;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Which of two connectivity events of a thing happened later. AWS delivers lifecycle events duplicated
 * and out of order, stamps them only to about ±2 minutes, and gives each a {@code versionNumber} that
 * grows with every connect and disconnect of a client id, for exactly this question. So:
 * <ol>
 * <li>Two events of the same client id that both carry a version are ordered by version, provided their
 * times are less than {@link #VERSION_WINDOW} apart. The broker resets the version after the client has
 * been away for about an hour; two events closer than half of that cannot straddle a reset, and two events
 * further apart are ordered correctly by their times even at ±2 minutes.</li>
 * <li>Otherwise by time (shadow-rule events carry no version; their second is the shadow's).</li>
 * <li>Ties: a disconnect that ties with a connect wins (it is kept and verified against the shadow), because
 * a tie cannot tell which came first and a tie must never silence a disconnect. The same disconnect twice is
 * a duplicate and changes nothing.</li>
 * </ol>
 * The thing's item records the last event it holds ({@code disconnectedAt} or {@code connectedAt}) with
 * its {@code clientId} and {@code versionNumber}; the comparison runs inside DynamoDB as the condition
 * of the write, so replicas need no lock.
 */
final class EventOrder {

    static final Duration VERSION_WINDOW = Duration.ofMinutes(30);
    static final String CLIENT_ID = "clientId";
    static final String VERSION = "versionNumber";

    /** Where an event stands in a thing's history. */
    record Stamp(Instant at, Optional<String> clientId, Optional<Long> version) {

        static Stamp at(Instant at) {
            return new Stamp(at, Optional.empty(), Optional.empty());
        }

        boolean versioned() {
            return clientId.isPresent() && version.isPresent();
        }
    }

    private EventOrder() {
    }

    /**
     * True (in DynamoDB) when the item holds no {@code timeAttribute}, or holds an event in it that happened
     * before {@code stamp}; with {@code winsTie} also when it cannot be told apart from {@code stamp}.
     * {@code tag} keeps the placeholders of two uses in one expression apart.
     */
    static Condition recordedBefore(String timeAttribute, Stamp stamp, boolean winsTie, String tag) {
        String time = "#t" + tag;
        String at = ":t" + tag;
        String less = winsTie ? " <= " : " < ";
        Condition absent = Condition.notExists(time, timeAttribute);
        Condition byTime = Condition.of(time + less + at, Map.of(time, timeAttribute),
                Map.of(at, Condition.n(stamp.at().toEpochMilli())));
        if (!stamp.versioned()) {
            return absent.or(byTime);
        }
        String sameClient = "#cl = :cl" + tag + " AND attribute_exists(#ver) AND " + time + " BETWEEN :lo" + tag
                + " AND :hi" + tag;
        Map<String, String> names = Map.of("#cl", CLIENT_ID, "#ver", VERSION, time, timeAttribute);
        Condition comparable = Condition.of(sameClient, names, Map.of(
                ":cl" + tag, Condition.s(stamp.clientId().get()),
                ":lo" + tag, Condition.n(stamp.at().minus(VERSION_WINDOW).toEpochMilli()),
                ":hi" + tag, Condition.n(stamp.at().plus(VERSION_WINDOW).toEpochMilli())));
        Condition byVersion = comparable.and(Condition.of("#ver" + less + ":v" + tag, names,
                Map.of(":v" + tag, Condition.n(stamp.version().get()))));
        Condition otherwiseByTime = Condition.of("NOT (" + sameClient + ")", names, comparable.values()).and(byTime);
        return absent.or(byVersion).or(otherwiseByTime);
    }
}
