package io.brevosync.run;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import io.brevosync.db.Jdbc;
import io.brevosync.export.ExportDefinition;
import io.brevosync.export.ExportRegistry;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs exports when their data changes: a job that refreshes segments says so with
 * {@code NOTIFY segments_refreshed, 'newsletter,vip'} (notify.channel; no payload or '*': every segment), and each
 * enabled export on one of those segments runs once. Notifications within notify.debounce make one run; a run that
 * starts after a notification (on any node) covers it; one in progress when it is due keeps it waiting, not lost.
 * Listens on a connection of its own, not the pool's; reconnects when the database comes back.
 */
public final class ChangeTrigger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeTrigger.class);

    private final String url;
    private final String user;
    private final String password;
    private final String channel;
    private final Duration debounce;
    private final ExportRegistry exports;
    private final Jdbc db;
    /** export id → when its first pending notification came, and the last one */
    private final Map<String, Instant[]> pending = new ConcurrentHashMap<>();
    private final Thread listener;
    private volatile boolean running = true;

    public ChangeTrigger(String url, String user, String password, String channel, Duration debounce, ExportRegistry exports, Jdbc db) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.channel = channel;
        this.debounce = debounce;
        this.exports = exports;
        this.db = db;
        this.listener = new Thread(this::listen, "notify-" + channel);
        listener.setDaemon(true);
        if (!channel.isEmpty()) {
            listener.start();
        }
    }

    /** The exports whose notifications have settled (none for notify.debounce) and that no run has covered since. */
    public List<String> due() throws SQLException {
        List<String> due = new ArrayList<>();
        Instant now = Instant.now();
        for (var entry : pending.entrySet()) {
            Instant[] at = entry.getValue();
            if (at[1].plus(debounce).isAfter(now)) {
                continue;
            }
            if (db.number("select count(*) from export_run where export_id = ? and created_at >= ? and status <> 'skipped'", entry.getKey(),
                    java.sql.Timestamp.from(at[0])) > 0) {
                pending.remove(entry.getKey(), at); // a run that started after the notification covers it
            } else {
                due.add(entry.getKey());
            }
        }
        return due;
    }

    /** The run asked for started: the notifications up to now are covered. */
    public void started(String exportId) {
        pending.remove(exportId);
    }

    void notified(String payload) {
        Set<String> segments = payload == null || payload.isBlank() || payload.trim().equals("*") ? null
                : Arrays.stream(payload.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        Instant now = Instant.now();
        for (ExportDefinition export : exports.all()) {
            if (export.enabled() && (segments == null || export.segments().stream().anyMatch(segments::contains))) {
                pending.merge(export.id(), new Instant[] {now, now}, (old, fresh) -> new Instant[] {old[0], now});
            }
        }
    }

    private void listen() {
        while (running) {
            try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
                s.execute("listen " + channel);
                LOG.info("Listening for NOTIFY {}: exports on the segments named run once", channel);
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notifications = pg.getNotifications(1000);
                    for (PGNotification n : notifications == null ? new PGNotification[0] : notifications) {
                        LOG.info("NOTIFY {} '{}'", channel, n.getParameter());
                        notified(n.getParameter());
                    }
                }
            } catch (SQLException e) {
                if (running) {
                    LOG.warn("Listening for NOTIFY {} failed ({}); trying again in 5 s", channel, e.getMessage());
                    sleep(5000);
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        listener.interrupt();
        listener.join(3000);
    }
}
