package io.socktrace.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.function.Supplier;

/**
 * A map from objects, compared by identity and held weakly, to values: the connections of socket
 * objects whose class has no field for them (late attach). Every socket call of such a JVM looks
 * its socket up here, so a lookup takes no lock and allocates nothing: it reads the current table
 * and walks one bucket's chain. Adding and removing (once per socket: its first call and its
 * close) take the map's lock, and so does dropping the entries of sockets the application let go
 * unclosed, which the garbage collector reports through a reference queue.
 *
 * <p>Chains are immutable: a writer never changes a node a reader may be walking, it publishes a
 * new chain head (or a new table when growing). A reader that still walks the old chain sees
 * the map as it was an instant before, as with any lock-free read. The JDK's {@code WeakHashMap}
 * compares keys with {@code equals} and is not safe without a lock around every call; socket
 * classes do not override {@code equals}, but the identity is what is meant.
 */
final class WeakIdentityMap<V> {

    private static final int INITIAL_CAPACITY = 64;
    private static final VarHandle BUCKET = MethodHandles.arrayElementVarHandle(Entry[].class);

    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
    /** Power-of-two length; replaced whole when the map grows. Buckets read with acquire. */
    private volatile Entry<V>[] table = newTable(INITIAL_CAPACITY);
    /** Entries in the table, collected keys included until expunged; guarded by this. */
    private int count;

    /** The value of this key, or null; lock-free. */
    V get(Object key) {
        Entry<V>[] t = table;
        int hash = hash(key);
        for (Entry<V> e = bucket(t, hash); e != null; e = e.next) {
            if (e.refersTo(key)) {
                return e.value;
            }
        }
        return null;
    }

    /** The value of this key, made by {@code create} and added if it has none. */
    V computeIfAbsent(Object key, Supplier<? extends V> create) {
        V value = get(key);
        return value != null ? value : addIfAbsent(key, create);
    }

    /** Removes this key's entry, if any. */
    synchronized void remove(Object key) {
        expungeCollected();
        Entry<V>[] t = table;
        int hash = hash(key);
        Entry<V> head = bucket(t, hash);
        if (find(head, key) != null) {
            rebuild(t, hash, head, key);
        }
    }

    /** Keys still reachable and in the map; drops the collected ones first. */
    synchronized int size() {
        expungeCollected();
        return count;
    }

    private synchronized V addIfAbsent(Object key, Supplier<? extends V> create) {
        expungeCollected();
        Entry<V>[] t = table;
        int hash = hash(key);
        Entry<V> existing = find(bucket(t, hash), key);
        if (existing != null) {
            return existing.value; // another thread added it between our lookup and the lock
        }
        if (count >= t.length - (t.length >>> 2)) {
            t = grow(t);
        }
        V value = create.get();
        int index = hash & (t.length - 1);
        BUCKET.setRelease(t, index, new Entry<>(key, hash, value, bucket(t, hash), collected));
        count++;
        return value;
    }

    /**
     * Drops the entries whose key was collected. A collected reference may be a copy of an entry
     * that growing or a removal replaced (each copy is registered with the queue), so the whole
     * bucket is swept of cleared entries rather than searched for that one node.
     */
    private void expungeCollected() {
        Reference<?> r;
        while ((r = collected.poll()) != null) {
            @SuppressWarnings("unchecked")
            Entry<V> cleared = (Entry<V>) r;
            Entry<V>[] t = table;
            Entry<V> head = bucket(t, cleared.hash);
            for (Entry<V> e = head; e != null; e = e.next) {
                if (e.refersTo(null)) {
                    rebuild(t, cleared.hash, head, null);
                    break;
                }
            }
        }
    }

    /**
     * Publishes a copy of the chain at {@code hash}'s bucket without {@code drop}'s entry and
     * without collected keys, and counts what it left out.
     */
    private void rebuild(Entry<V>[] t, int hash, Entry<V> head, Object drop) {
        int before = 0;
        for (Entry<V> e = head; e != null; e = e.next) {
            before++;
        }
        Entry<V> copy = null;
        int after = 0;
        for (Entry<V> e = head; e != null; e = e.next) {
            Object key = e.get();
            if (key != null && key != drop) {
                copy = new Entry<>(key, e.hash, e.value, copy, collected);
                after++;
            }
        }
        BUCKET.setRelease(t, hash & (t.length - 1), copy);
        count -= before - after;
    }

    private Entry<V>[] grow(Entry<V>[] old) {
        Entry<V>[] bigger = newTable(old.length * 2);
        int live = 0;
        for (int i = 0; i < old.length; i++) {
            for (Entry<V> e = bucket(old, i); e != null; e = e.next) {
                Object key = e.get();
                if (key != null) {
                    int index = e.hash & (bigger.length - 1);
                    bigger[index] = new Entry<>(key, e.hash, e.value, bigger[index], collected);
                    live++;
                }
            }
        }
        count = live;
        table = bigger; // volatile: publishes the new buckets with it
        return bigger;
    }

    private Entry<V> find(Entry<V> head, Object key) {
        for (Entry<V> e = head; e != null; e = e.next) {
            if (e.refersTo(key)) {
                return e;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static <V> Entry<V> bucket(Entry<V>[] t, int hash) {
        return (Entry<V>) BUCKET.getAcquire(t, hash & (t.length - 1));
    }

    @SuppressWarnings("unchecked")
    private static <V> Entry<V>[] newTable(int capacity) {
        return (Entry<V>[]) new Entry<?>[capacity];
    }

    private static int hash(Object key) {
        int h = System.identityHashCode(key);
        return h ^ (h >>> 16); // identity hashes vary little in their low bits on some JVMs
    }

    /** One key and its value; immutable once published. */
    private static final class Entry<V> extends WeakReference<Object> {
        final int hash;
        final V value;
        final Entry<V> next;

        Entry(Object key, int hash, V value, Entry<V> next, ReferenceQueue<Object> queue) {
            super(key, queue);
            this.hash = hash;
            this.value = value;
            this.next = next;
        }
    }
}
