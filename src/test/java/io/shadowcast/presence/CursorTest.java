package io.shadowcast.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CursorTest {

    private static PendingCheck due(long millis, String name) {
        return new PendingCheck(name, Instant.EPOCH, Instant.ofEpochMilli(millis), 0, CheckSource.SHADOW,
                Optional.empty(), Instant.EPOCH, 0);
    }

    @Test
    void roundTripsAndOrdersByDueTimeThenName() {
        CheckStore.Cursor cursor = CheckStore.Cursor.decode(CheckStore.Cursor.of(due(5000, "b:1")).encode());

        assertThat(cursor).isEqualTo(new CheckStore.Cursor(5000, "b:1"));
        assertThat(cursor.isBefore(due(5000, "c"))).isTrue();
        assertThat(cursor.isBefore(due(5001, "a"))).isTrue();
        assertThat(cursor.isBefore(due(5000, "b:1"))).isFalse();
        assertThat(cursor.isBefore(due(5000, "a"))).isFalse();
        assertThat(cursor.isBefore(due(4999, "z"))).isFalse();
    }

    @Test
    void garbageIsRejected() {
        assertThatThrownBy(() -> CheckStore.Cursor.decode("%%%")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CheckStore.Cursor.decode("bm9kb3Q")).isInstanceOf(IllegalArgumentException.class);
    }
}
