package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Without the agent's field (late attach, or here: a socket object of a type without the field),
 * connections live in a weak map that must not keep them: closed or collected, nothing stays.
 */
class ConnectionsTest {

    @Test
    void of_sameSocket_sameConnection_otherSocket_otherConnection() {
        Object a = new Object();
        Object b = new Object();
        assertThat(Connections.of(a)).isSameAs(Connections.of(a)).isSameAs(Connections.peek(a));
        assertThat(Connections.of(b)).isNotSameAs(Connections.of(a));
        Connections.forget(a);
        Connections.forget(b);
        assertThat(Connections.peek(a)).isNull();
    }

    @Test
    void weakMap_forgetsClosedSockets() {
        int before = Connections.weakMapSize();
        Object socket = new Object();
        Connections.of(socket);
        assertThat(Connections.weakMapSize()).isEqualTo(before + 1);
        Connections.forget(socket);
        assertThat(Connections.weakMapSize()).isEqualTo(before);
    }

    @Test
    void weakMap_doesNotKeepCollectedSockets() throws InterruptedException {
        int before = Connections.weakMapSize();
        for (int i = 0; i < 1000; i++) {
            Connections.of(new Object()); // dropped without close, like a leaked socket
        }
        assertThat(Connections.weakMapSize()).isGreaterThan(before);
        for (int i = 0; i < 50 && Connections.weakMapSize() > before; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(Connections.weakMapSize()).isEqualTo(before);
    }
}
