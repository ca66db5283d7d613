package io.brevosync.sandbox;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The last requests the sandbox answered (bounded), and counters per account, endpoint and status since the last clear. */
public final class RequestLog {

    /** One answered request; the path has no query string, the endpoint is the route template (e.g. POST /v3/processes/{id}). */
    public record Entry(String time, String account, String method, String path, String endpoint, int status, long requestBytes) {
    }

    private static final int CAPACITY = 100_000;

    private final Deque<Entry> entries = new ArrayDeque<>();
    private final Map<String, Long> counters = new TreeMap<>();

    synchronized void add(Entry entry) {
        if (entries.size() == CAPACITY) {
            entries.removeFirst();
        }
        entries.addLast(entry);
        String account = entry.account() == null ? "-" : entry.account();
        counters.merge(account + " " + entry.endpoint() + " " + entry.status(), 1L, Long::sum);
        counters.merge(account + " requests", 1L, Long::sum);
        counters.merge(account + " bytes", entry.requestBytes(), Long::sum);
    }

    public synchronized List<Entry> entries() {
        return new ArrayList<>(entries);
    }

    /** Keys look like "demo POST /v3/contacts/import 202", "demo requests", "demo bytes". */
    public synchronized Map<String, Long> counters() {
        return new TreeMap<>(counters);
    }

    public synchronized long count(String account, String endpoint, int status) {
        return counters.getOrDefault(account + " " + endpoint + " " + status, 0L);
    }

    public synchronized void clear() {
        entries.clear();
        counters.clear();
    }
}
